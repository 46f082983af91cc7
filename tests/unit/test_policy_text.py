"""The shipped policy text says what the draft says, and its format reads and writes losslessly.

Cases cite rules in the draft policy's own Danish words, so the test holds those words itself (copied
from Tandplejen's draft, sections 3-6) rather than trusting the data file to check itself.
"""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.policy_text import (
    DEFAULT_POLICY_FILE,
    SECTION_KINDS,
    PolicyItem,
    PolicyParagraph,
    PolicySection,
    PolicyText,
    PolicyTextError,
    load_default_policy,
    parse_policy_text,
    render_policy_text,
    rules,
)

DRAFT_RULES_DA = (
    "Kommunikation mellem medarbejdere skal være professionel, respektfuld og inkluderende.",
    "Arbejdsrelateret kommunikation skal foregå via kommunens godkendte kanaler.",
    "Ingen medarbejdere må udsættes for krænkende adfærd, mobning eller eksklusion.",
    "Privat brug af sociale medier som Snapchat, Facebook og Instagram o.l. er ikke tilladt i arbejdstiden.",
    "Det er ikke tilladt at anvende sociale medier til intern kommunikation mellem medarbejdere om "
    "arbejdsforhold udover praktisk brug ifm. sygdom og fordeling af arbejdsopgaver.",
    "Deling af billeder, beskeder eller indhold fra arbejdspladsen på sociale medier er ikke tilladt "
    "uden ledelsens godkendelse.",
    "Al arbejdsrelateret kommunikation skal foregå via kommunens godkendte systemer (fx e-mail, "
    "journalsystemer eller andre interne platforme).",
    "Kommunikation skal være tilgængelig og gennemsigtig for relevante kollegaer og ledelse.",
    "Parallelle “lukkede” kommunikationsrum, der udelukker kollegaer, må ikke anvendes til "
    "arbejdsrelaterede forhold.",
    "Kommunikation, der kan opfattes som “for sjov”, men som ekskluderer eller krænker kollegaer, "
    "anses som uacceptabel.",
    "Digital adfærd sidestilles med fysisk adfærd i forhold til mobning og krænkende handlinger.",
    "Overtrædelser vil blive behandlet som en arbejdsmiljømæssig problemstilling.",
)

RULE_CODES = ("3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3")


def shipped_text() -> str:
    return resources.files("domain.policies").joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")


def test_the_shipped_file_round_trips_byte_for_byte() -> None:
    text = shipped_text()
    assert render_policy_text(parse_policy_text(text)) == text
    assert render_policy_text(load_default_policy()).encode("utf-8") == text.encode("utf-8")


def test_the_rules_are_the_bullets_of_sections_3_to_6_in_the_drafts_own_words() -> None:
    policy = load_default_policy()
    assert tuple(item.code for item in rules(policy)) == RULE_CODES
    assert tuple(item.text_da for item in rules(policy)) == DRAFT_RULES_DA
    assert {item.section for item in rules(policy)} == {"3", "4", "5", "6"}


def test_every_rule_has_titles_and_an_english_text() -> None:
    for item in rules(load_default_policy()):
        assert item.title_da and item.title_en and item.text_en
        assert item.text_en != item.text_da


def test_the_sections_are_those_of_the_draft() -> None:
    policy = load_default_policy()
    assert policy.key == "tandplejen-udkast-2026"
    assert policy.title_da == "Udkast til politik for brug af sociale medier i Tandplejen i Norddjurs Kommune"
    assert [(s.number, s.title_da, s.kind) for s in policy.sections] == [
        (1, "Formål", "prose"),
        (2, "Anvendelsesområde", "prose"),
        (3, "Grundprincipper", "rules"),
        (4, "Brug af sociale medier i arbejdstiden", "rules"),
        (5, "Krav til intern kommunikation", "rules"),
        (6, "Arbejdsmiljø og adfærd", "rules"),
        (7, "Overtrædelse af politikken", "consequences"),
        (8, "Implementering", "implementation"),
    ]
    consequences = policy.sections[6]
    assert [p.text_da for p in consequences.paragraphs] == ["Overtrædelse af denne politik kan medføre:"]
    assert [i.text_da for i in consequences.items] == [
        "Tjenstlig samtale",
        "Skriftlig advarsel",
        "Yderligere ansættelsesretlige konsekvenser afhængigt af overtrædelsens karakter",
    ]
    assert [i.text_da for i in policy.sections[7].items] == [
        "Politikken gennemgås med alle medarbejdere og godkendes på MED.",
        "Den indarbejdes i introduktion af nye medarbejdere",
    ]


SMALL = """\
---
key: lille
title_da: Lille politik
title_en: Small policy
scope: Enheden
source: Et møde
---

## 1. Formål | Purpose
kind: prose
da: Et formål.
en: A purpose.

## 2. Regler | Rules
kind: rules
- 2.1
  title_da: Første
  title_en: First
  da: Den første regel.
  en: The first rule.
- 2.2
  title_da: Anden
  title_en: Second
  da: Den anden regel.
  en: The second rule.
"""


def test_the_small_example_parses() -> None:
    policy = parse_policy_text(SMALL)
    assert [item.code for item in rules(policy)] == ["2.1", "2.2"]
    assert render_policy_text(policy) == SMALL


def _replace_line(text: str, line_no: int, new: str | None) -> str:
    lines = text.split("\n")
    if new is None:
        del lines[line_no - 1]
    else:
        lines[line_no - 1] = new
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("broken", "line_no", "words"),
    [
        pytest.param(_replace_line(SMALL, 12, None), 12, "missing 'en:'", id="paragraph-missing-en"),
        pytest.param(_replace_line(SMALL, 20, None), 20, "missing 'en:'", id="item-missing-en"),
        pytest.param(_replace_line(SMALL, 21, "- 2.1"), 21, "duplicate code 2.1", id="duplicate-code"),
        pytest.param(_replace_line(SMALL, 21, "- 2.3"), 21, "out of order", id="skipped-code"),
        pytest.param(_replace_line(SMALL, 16, "- 2.2"), 16, "out of order", id="out-of-order-code"),
        pytest.param(_replace_line(SMALL, 16, "- 3.1"), 16, "out of order", id="code-of-another-section"),
        pytest.param(_replace_line(SMALL, 5, "omfang: Enheden"), 5, "unknown key 'omfang'", id="unknown-front-key"),
        pytest.param(
            _replace_line(SMALL, 18, "  titel_en: First"), 18, "unknown key 'titel_en'", id="unknown-item-key"
        ),
        pytest.param(_replace_line(SMALL, 10, "type: prose"), 10, "unknown key 'type'", id="unknown-section-key"),
        pytest.param(_replace_line(SMALL, 10, "kind: poetry"), 10, "unknown section kind", id="unknown-kind"),
        pytest.param(_replace_line(SMALL, 14, "## 3. Regler | Rules"), 14, "out of order", id="section-order"),
        pytest.param(_replace_line(SMALL, 14, "## 2. Regler"), 14, "section header", id="header-without-en"),
        pytest.param(_replace_line(SMALL, 11, "da: "), 11, "is empty", id="empty-value"),
        pytest.param(_replace_line(SMALL, 11, "da: Et formål. "), 11, "whitespace", id="trailing-space"),
        pytest.param(_replace_line(SMALL, 13, None), 13, "blank line", id="no-blank-line"),
        pytest.param(_replace_line(SMALL, 13, "\n"), 14, "one blank line", id="two-blank-lines"),
        pytest.param(SMALL.rstrip("\n"), 25, "newline", id="no-final-newline"),
        pytest.param(SMALL.replace("\n", "\r\n"), 1, "carriage return", id="crlf"),
        pytest.param(SMALL.replace("kind: rules", "kind: prose"), 16, "prose section 2", id="prose-with-items"),
        pytest.param(_replace_line(SMALL, 1, "+++"), 1, "front matter", id="no-front-matter"),
    ],
)
def test_malformed_text_is_refused_with_its_line(broken: str, line_no: int, words: str) -> None:
    with pytest.raises(PolicyTextError) as caught:
        parse_policy_text(broken)
    assert caught.value.line_no == line_no, caught.value
    assert words in caught.value.message
    assert str(caught.value).startswith(f"line {line_no}: ")


def test_rules_skip_consequences_and_implementation() -> None:
    policy = load_default_policy()
    assert "7.1" not in {item.code for item in rules(policy)}
    assert "8.1" not in {item.code for item in rules(policy)}


# -- any policy text the dataclasses accept renders and parses back to itself ---------------------

_value = (
    st.text(st.characters(exclude_characters="\n\r", exclude_categories=("Cs",)), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
_section_title = _value.map(lambda s: s.replace("|", "/").strip()).filter(bool)
_paragraph = st.builds(PolicyParagraph, _value, _value)


@st.composite
def _sections(draw: st.DrawFn, number: int) -> PolicySection:
    kind = draw(st.sampled_from(SECTION_KINDS))
    if kind == "prose":
        paragraphs = draw(st.lists(_paragraph, min_size=1, max_size=3))
        items: list[PolicyItem] = []
    else:
        paragraphs = draw(st.lists(_paragraph, max_size=2))
        texts = draw(st.lists(st.tuples(_value, _value, _value, _value), min_size=1, max_size=4))
        items = [PolicyItem(f"{number}.{i}", *t) for i, t in enumerate(texts, start=1)]
    return PolicySection(
        number, draw(_section_title), draw(_section_title), kind, tuple(paragraphs), tuple(items)
    )


@st.composite
def _policies(draw: st.DrawFn) -> PolicyText:
    count = draw(st.integers(min_value=1, max_value=5))
    return PolicyText(
        key=draw(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True)),
        title_da=draw(_value),
        title_en=draw(_value),
        scope=draw(_value),
        source=draw(_value),
        sections=tuple(draw(_sections(n)) for n in range(1, count + 1)),
    )


@given(_policies())
def test_render_then_parse_gives_back_the_policy(policy: PolicyText) -> None:
    text = render_policy_text(policy)
    assert parse_policy_text(text) == policy
    assert render_policy_text(parse_policy_text(text)) == text
