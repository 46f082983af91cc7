"""A refused step of a policy's life reads in the page's language: every refusal the domain can
give has its own words, with the dates it names written out."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import domain.policy
from adapters.web.vocabulary import POLICY_REFUSAL, policy_refusal


def refusal_codes() -> set[str]:
    source = Path(domain.policy.__file__).read_text(encoding="utf-8")
    return set(re.findall(r'_refuse\(f?"[^"]*",\s*"([a-z_]+)"', source))


def test_every_refusal_the_domain_gives_has_danish_words():
    codes = refusal_codes()
    assert len(codes) == 13  # the parse found them all: a new refusal needs its words here too
    assert codes == set(POLICY_REFUSAL)


def test_a_refusal_names_its_version_and_writes_its_date_out(web_app):
    with web_app.test_request_context("/"):
        text = policy_refusal("already_consulted", {"version": 2, "on": date(2026, 11, 3)})
        unknown = policy_refusal("something_new", {})
    assert text == "Version 2 blev allerede sendt i høring den 3. november 2026."
    assert unknown == "Skridtet kan ikke udføres, som retningslinjen står nu."
