"""Text that misleads is refused where it must be one line, and shown as text where it is rendered.

Names, references and participants refuse direction controls (embeddings, overrides, isolates,
marks) and line or paragraph separators through the service, so the API, the browser application
and the command line alike; free texts may hold them, and the Markdown reading copy of a case
file shows them by code point. HTML and Markdown in any value come out as text.

The table of refused characters shares one database per backend (``module_service``): each test
compares the events stored before and after its refusal.
"""

from __future__ import annotations

import json
from unittest.mock import ANY

import pytest
from markdown_it import MarkdownIt

from adapters.archive.case_file_text import render_case_file
from adapters.archive.case_files import case_file_document, case_file_json
from domain.errors import InvalidCaseData
from domain.values import Status
from service.cases import CaseService
from tests.e2e.http import stored_events
from tests.scenarios import HR, MANAGER, case_id, case_in, report

MISLEADING = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
              "\u200e", "\u200f", "\u061c", "\u2028", "\u2029", "\x85"]


@pytest.mark.parametrize("character", MISLEADING, ids=[f"U+{ord(c):04X}" for c in MISLEADING])
@pytest.mark.parametrize("field", ["employee_ref", "employee_name"])
def test_a_name_or_reference_with_a_direction_control_or_separator_is_refused(
    module_service: CaseService, field: str, character: str
) -> None:
    events_before = stored_events(module_service)

    with pytest.raises(InvalidCaseData) as refused:
        report(module_service, **{field: f"Jane{character}eoD"})

    assert list(refused.value.errors) == [field.replace("_", ".")]
    message = refused.value.errors[field.replace("_", ".")][0]
    assert f"U+{ord(character):04X}" in message or "control characters" in message  # U+0085 is a C1 control
    assert stored_events(module_service) == events_before


def test_a_participant_with_an_override_is_refused(service: CaseService) -> None:
    cid = case_in(service, Status.ASSESSED)
    before = stored_events(service)
    with pytest.raises(InvalidCaseData) as refused:
        service.hold_talk(MANAGER, cid, held_on=service.today(), participants=["Mette", "Ole\u202egnalK"],
                          union_rep_present=False, summary="Talked.")
    assert list(refused.value.errors) == ["participants.1"]
    assert stored_events(service) == before


def test_ordinary_names_of_any_script_are_accepted(service: CaseService) -> None:
    for name in ("Søren Ærø-Østergaard", "محمد الأحمد", "Łukasz Żółć", "O'Brien, Jr."):
        assert report(service, employee_name=name).employee == {"ref": ANY, "name": name}


def _reading_copy(service: CaseService, cid: object) -> str:
    return render_case_file(json.loads(case_file_json(service.export_case(HR, cid))))  # type: ignore[arg-type]


def test_html_and_markdown_in_a_case_come_out_as_text(service: CaseService) -> None:
    cid = case_id(report(
        service, employee_name="<img src=x onerror=alert(1)>", employee_ref="E-1|<b>2</b>",
        description="See [this](javascript:alert(1)) and ![x](http://evil.example/t.png)\n"
                    "<script>alert('hi')</script> **not bold** `not code` &amp;",
    ))

    text = _reading_copy(service, cid)
    rendered = MarkdownIt("commonmark").enable("table").render(text)

    assert "<img" not in text and "<script" not in text and "<b>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    for markup in ("<img", "<script", "<a ", "<strong>", "<code>not code", "<b>"):
        assert markup not in rendered, markup
    # Rendered, each value reads exactly as it was written (once unescaped by the browser).
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "[this](javascript:alert(1))" in rendered
    assert "**not bold**" in rendered and "`not code`" in rendered and "&amp;amp;" in rendered
    # The pipe in the reference did not split the table's row.
    row = next(line for line in text.splitlines() if line.startswith("| Employee |"))
    assert row.count(" | ") == 1


def test_a_direction_control_in_a_free_text_is_shown_by_its_code_point(service: CaseService) -> None:
    cid = case_id(report(service, description="Wrote \u202eoD enaJ\u202c in the group.\u2028Next line."))

    text = _reading_copy(service, cid)

    assert not any(c in text for c in MISLEADING)
    assert "&lt;U+202E&gt;oD enaJ&lt;U+202C&gt;" in text and "&lt;U+2028&gt;" in text


def test_erased_case_file_still_renders(service: CaseService) -> None:
    cid = case_in(service, Status.CLOSED)
    service.erase_personal_data(HR, cid, reason="Retention over.")
    document = case_file_document(service.export_case(HR, cid))
    assert "(erased)" in render_case_file(json.loads(json.dumps(document, default=str)))
