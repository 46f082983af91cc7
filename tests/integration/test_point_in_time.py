"""A case as it stood at a moment: the state after the last event recorded at or before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.errors import InvalidCaseData
from domain.values import Status
from service.errors import CaseNotFound, CaseNotYetReported
from tests.scenarios import HR, MANAGER, OTHER_MANAGER, case_in

MICROSECOND = timedelta(microseconds=1)


def test_as_of_a_moment_is_the_case_after_the_last_event_recorded_by_then(service):
    cid = case_in(service, Status.WARNING_ISSUED)
    trail = service.history(HR, cid)

    for entry in trail:
        at_the_event = service.get_case(MANAGER, cid, as_of=entry.recorded_at)
        assert at_the_event == service.get_case(MANAGER, cid, version=entry.version)
        if entry.version > 1:
            just_before = service.get_case(MANAGER, cid, as_of=entry.recorded_at - MICROSECOND)
            assert just_before == service.get_case(MANAGER, cid, version=entry.version - 1)
    assert service.get_case(HR, cid, as_of=datetime.now(UTC)) == service.get_case(HR, cid)


def test_what_was_known_when_the_warning_was_issued(service):
    cid = case_in(service, Status.WARNING_ISSUED)
    warned_at = service.history(HR, cid)[-1].recorded_at
    service.add_note(MANAGER, cid, text="Written after the warning.")

    then = service.get_case(HR, cid, as_of=warned_at)

    assert then.status == "warning_issued" and then.notes == [] and len(then.warnings) == 1
    assert service.get_case(HR, cid).notes[0]["text"] == "Written after the warning."


def test_the_offset_does_not_change_the_moment(service):
    cid = case_in(service, Status.ASSESSED)
    assessed_at = service.history(HR, cid)[1].recorded_at
    in_copenhagen = assessed_at.astimezone(timezone(timedelta(hours=2)))

    assert service.get_case(HR, cid, as_of=in_copenhagen).version == 2
    assert service.get_case(HR, cid, as_of=in_copenhagen - MICROSECOND).version == 1


def test_before_the_report_the_case_is_not_found(service):
    cid = case_in(service, Status.ASSESSED)
    reported_at = service.history(HR, cid)[0].recorded_at

    with pytest.raises(CaseNotYetReported) as raised:
        service.get_case(HR, cid, as_of=reported_at - MICROSECOND)
    assert isinstance(raised.value, CaseNotFound)
    assert "not been reported yet" in str(raised.value)


def test_a_manager_of_another_unit_learns_nothing_from_a_moment(service):
    cid = case_in(service, Status.ASSESSED)

    with pytest.raises(CaseNotFound) as raised:
        service.get_case(OTHER_MANAGER, cid, as_of=datetime.now(UTC))
    assert type(raised.value) is CaseNotFound


def test_a_version_and_a_moment_together_or_a_moment_without_offset_are_invalid(service):
    cid = case_in(service, Status.ASSESSED)

    with pytest.raises(InvalidCaseData) as both:
        service.get_case(HR, cid, version=1, as_of=datetime.now(UTC))
    with pytest.raises(InvalidCaseData) as naive:
        service.get_case(HR, cid, as_of=datetime.now())
    assert set(both.value.errors) == set(naive.value.errors) == {"as_of"}


def test_erasure_reaches_back_to_every_moment(service):
    cid = case_in(service, Status.CLOSED)
    reported_at = service.history(HR, cid)[0].recorded_at
    service.erase_personal_data(HR, cid, reason="Retention period over.")

    then = service.get_case(HR, cid, as_of=reported_at)

    assert then.version == 1 and then.employee is None and then.description is None
