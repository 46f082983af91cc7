"""Who sees which deadlines, and the case list's overdue flag agreeing with them (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidCaseData
from domain.values import Outcome
from service.errors import AccessDenied
from tests.scenarios import HR, MANAGER, OTHER_MANAGER, REP, TODAY, MovableClock, case_id, report


def hearing_passed_yesterday(service, user=MANAGER, unit="tandplejen"):
    cid = case_id(report(service, user, unit=unit))
    service.open_hearing(user, cid, sent_on=TODAY - timedelta(days=14), deadline=TODAY - timedelta(days=1))
    return cid


def test_a_manager_sees_the_hearing_deadlines_of_their_units_and_hr_sees_all(service):
    mine = hearing_passed_yesterday(service)
    theirs = hearing_passed_yesterday(service, OTHER_MANAGER, unit="skoler")
    [task] = service.deadlines(MANAGER)
    assert (task.case_id, task.kind, task.due_on, task.resolved_by_step) == (
        str(mine), "hearing_deadline", TODAY - timedelta(days=1), "warnings")
    assert task.overdue and task.reminder_due and task.unit == "tandplejen"
    assert [d.case_id for d in service.deadlines(OTHER_MANAGER)] == [str(theirs)]
    assert {d.case_id for d in service.deadlines(HR)} == {str(mine), str(theirs)}
    with pytest.raises(AccessDenied):
        service.deadlines(REP)


def test_overdue_first_then_by_due_date_and_filters(service):
    soon = case_id(report(service))
    service.open_hearing(MANAGER, soon, sent_on=TODAY)  # ten working days ahead: approaching
    passed = hearing_passed_yesterday(service)
    found = service.deadlines(MANAGER)
    assert [d.case_id for d in found] == [str(passed), str(soon)]
    assert [d.overdue for d in found] == [True, False]
    assert not found[1].reminder_due  # approaching: shown, not yet mailed
    assert [d.case_id for d in service.deadlines(MANAGER, due_before=TODAY)] == [str(passed)]
    assert service.deadlines(MANAGER, kind="idle") == []
    with pytest.raises(InvalidCaseData) as refused:
        service.deadlines(MANAGER, kind="tomorrow")
    assert "kind" in refused.value.errors


def test_the_case_lists_overdue_filter_matches_the_deadlines(service):
    passed = hearing_passed_yesterday(service)
    answered = hearing_passed_yesterday(service)
    service.record_statement(MANAGER, answered, received_on=TODAY, summary="My side of it.")
    fresh = case_id(report(service))
    service.open_hearing(MANAGER, fresh, sent_on=TODAY)
    overdue_in_list = {row.id for row in service.list_cases(MANAGER, overdue=True).items}
    overdue_deadlines = {d.case_id for d in service.deadlines(MANAGER) if d.kind == "hearing_deadline" and d.overdue}
    assert overdue_in_list == overdue_deadlines == {str(passed)}


def test_idle_cases_and_retention_as_time_goes_by(make_service):
    clock = MovableClock()
    service = make_service(clock=clock)
    idle = case_id(report(service))
    closed = case_id(report(service))
    service.close_case(MANAGER, closed, outcome=Outcome.DISMISSED, reason="Not a breach.")
    assert service.deadlines(HR) == []
    clock.now += timedelta(days=15)
    [task] = service.deadlines(MANAGER)
    assert (task.case_id, task.kind, task.resolved_by_step) == (str(idle), "idle", "assessment")
    # Dismissed cases are kept a year; HR is told a month ahead; a manager, who cannot erase, is not.
    clock.now += timedelta(days=345)
    assert {(d.case_id, d.kind) for d in service.deadlines(HR)} == {(str(idle), "idle"), (str(closed), "retention_due")}
    assert [d.kind for d in service.deadlines(MANAGER)] == ["idle"]
