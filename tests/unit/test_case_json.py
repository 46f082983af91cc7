"""A case written out by hand is exactly what marshmallow's ``CaseSchema`` dumps.

``GET /cases/<id>`` (and every answer that holds a case) goes through ``case_json``; the
schema stays the contract. Each case below is dumped both ways, at every step of its life:
with and without a hearing deadline passed, a warning with and without a validity, notes in
Danish, Arabic and emoji, after closure, reopening and erasure.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from marshmallow import Schema

from adapters.http.case_json import case_json
from adapters.http.representations import CaseSchema
from domain.case import Case
from domain.policy_in_force import default_citation
from domain.values import Actor, Channel, Outcome, Role, Severity
from service.views import CaseView, case_view

TODAY = date(2026, 11, 20)
MANAGER = Actor("mette.manager", Role.MANAGER)
HR = Actor("hanne.hr", Role.HR)
ONE_LINE = "Åse Ølstrup-Ærø مرحبا 👩🏽‍⚕️"
UNICODE = "Æblegrød på «personalerummet» — مرحبا 👩🏽‍⚕️ \u200b tab\there\nnew line"


def marshmallow_dump(view: CaseView) -> Any:
    """What the schema's own fields make of the case (the path ``CaseSchema.dump`` no longer takes)."""
    return Schema.dump(CaseSchema(), view)


def _reported(name: str | None = "Jane Doe", description: str = "Posted pictures on Snapchat.") -> Case:
    return Case.report(
        actor=MANAGER, unit="tandplejen", employee_ref="E-1042", employee_name=name,
        occurred_on=TODAY - timedelta(days=60), rules=["4.1", "6.1"], channel=Channel.SNAPCHAT,
        description=description, today=TODAY, policy=default_citation(),
    )


def _every_step(valid_until: date | None = TODAY + timedelta(days=300)) -> list[tuple[str, CaseView]]:
    """A case after each step, as seen on a day (a hearing's deadline passes, a warning expires)."""
    seen: list[tuple[str, CaseView]] = []
    case = _reported(description=UNICODE)
    seen.append(("reported", case_view(case, TODAY)))
    case.assess(actor=MANAGER, work_environment_issue=True, severity=Severity.HIGH, notes=UNICODE)
    seen.append(("assessed", case_view(case, TODAY)))
    case.open_hearing(actor=MANAGER, sent_on=TODAY - timedelta(days=50), deadline=TODAY - timedelta(days=40),
                      today=TODAY)
    case.open_hearing(actor=MANAGER, sent_on=TODAY - timedelta(days=5), deadline=None, today=TODAY)
    seen.append(("two hearings, one deadline passed", case_view(case, TODAY)))
    case.hold_talk(actor=MANAGER, held_on=TODAY - timedelta(days=30), participants=["Mette", "Jane Doe", ONE_LINE],
                   union_rep_present=True, summary=UNICODE, today=TODAY)
    seen.append(("talk held", case_view(case, TODAY)))
    case.record_statement(actor=MANAGER, received_on=TODAY - timedelta(days=29), summary=UNICODE, today=TODAY)
    case.issue_warning(actor=MANAGER, issued_on=TODAY - timedelta(days=20), text=UNICODE,
                       valid_until=valid_until, today=TODAY)
    seen.append(("warnings issued", case_view(case, TODAY)))
    case.escalate(actor=HR, reason=UNICODE)
    for number in range(3):
        case.add_note(actor=MANAGER if number % 2 else HR, text=f"{UNICODE} {number}")
    seen.append(("escalated, with notes", case_view(case, TODAY)))
    case.close(actor=HR, outcome=Outcome.SANCTIONED, reason=UNICODE)
    seen.append(("closed", case_view(case, TODAY + timedelta(days=400))))
    case.reopen(actor=HR, reason=UNICODE)
    seen.append(("reopened", case_view(case, TODAY)))
    case.close(actor=HR, outcome=Outcome.RESOLVED, reason="Done.")
    case.erase_personal_data(actor=HR, reason="Retention period over.")
    seen.append(("erased", case_view(case, TODAY)))
    return seen


STEPS = _every_step() + [(f"{name}, warning without end", view) for name, view in _every_step(None)[4:]]


@pytest.mark.parametrize(("step", "view"), STEPS, ids=[name for name, _ in STEPS])
def test_a_case_at_every_step_is_written_as_marshmallow_writes_it(step: str, view: CaseView) -> None:

    assert case_json(view) == marshmallow_dump(view)
    assert CaseSchema().dump(view) == marshmallow_dump(view)


def test_a_case_without_a_name_and_with_many_notes_is_written_the_same() -> None:
    case = _reported(name=None)
    for number in range(200):
        case.add_note(actor=MANAGER, text=f"Opfølgning nr. {number}: {UNICODE[: number % 40]}")
    view = case_view(case, TODAY)

    written = case_json(view)

    assert written == marshmallow_dump(view)
    assert [note["text"] for note in written["notes"]] == [note["text"] for note in view.notes]


def test_an_erased_case_shows_no_personal_data_either_way() -> None:
    _, view = STEPS[-1]

    written = case_json(view)

    assert written == marshmallow_dump(view)
    assert written["employee"] is None and written["description"] is None
    assert all(note["text"] is None for note in written["notes"])
    assert "Jane Doe" not in repr(written) and "Æblegrød" not in repr(written)


def test_the_schema_still_dumps_field_by_field_when_asked_for_part_of_a_case() -> None:
    _, view = STEPS[-2]

    assert CaseSchema(only=("id", "version")).dump(view) == {"id": view.id, "version": view.version}
    assert CaseSchema(many=True).dump([view]) == [marshmallow_dump(view)]
