"""Every step from every status, through the service and a real database.

The expected table is written out from the contract (API.md), not taken from the code. Each test
works on a case of its own, so the module shares one database per backend, with one service that
takes the steps and a second instance that reads back what was stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from adapters.composition import build_case_service, close_case_service
from adapters.config import Settings
from domain.errors import EmployeeNotHeard, StepNotAllowed
from domain.values import Outcome, Severity, Status
from service.cases import CaseService
from tests.scenarios import HR, TODAY, case_in

S = Status
ALL_OPEN = {S.REPORTED, S.ASSESSED, S.TALK_HELD, S.WARNING_ISSUED, S.ESCALATED}

# step -> (statuses it is allowed from, how to take it as HR)
STEPS: dict[str, tuple[set[Status], Callable[[CaseService, UUID], object]]] = {
    "assessment": ({S.REPORTED, S.ASSESSED}, lambda s, c: s.assess(
        HR, c, work_environment_issue=False, severity=Severity.LOW, notes=None)),
    "hearing": (ALL_OPEN, lambda s, c: s.open_hearing(HR, c, sent_on=TODAY - timedelta(days=1))),
    "statements": (ALL_OPEN, lambda s, c: s.record_statement(HR, c, received_on=TODAY, summary="Account.")),
    "talks": ({S.ASSESSED, S.TALK_HELD, S.WARNING_ISSUED}, lambda s, c: s.hold_talk(
        HR, c, held_on=TODAY, participants=["Hanne HR"], union_rep_present=False, summary="Talk.")),
    # From talk_held the employee has not been heard yet in this scenario: see test_warnings.
    "warnings": (set(), lambda s, c: s.issue_warning(HR, c, issued_on=TODAY, text="Warning.")),
    "escalation": ({S.WARNING_ISSUED}, lambda s, c: s.escalate(HR, c, reason="Repeated.")),
    "notes": (ALL_OPEN, lambda s, c: s.add_note(HR, c, text="A note.")),
    "closure": (ALL_OPEN, lambda s, c: s.close_case(HR, c, outcome=Outcome.DISMISSED, reason="No breach.")),
    "reopening": ({S.CLOSED}, lambda s, c: s.reopen(HR, c, reason="New facts.")),
    "erasure": ({S.CLOSED}, lambda s, c: s.erase_personal_data(HR, c, reason="Retention over.")),
}

EXPECTED_STATUS_AFTER = {
    "assessment": lambda before: S.ASSESSED,
    "hearing": lambda before: before,
    "statements": lambda before: before,
    "talks": lambda before: S.WARNING_ISSUED if before is S.WARNING_ISSUED else S.TALK_HELD,
    "escalation": lambda before: S.ESCALATED,
    "notes": lambda before: before,
    "closure": lambda before: S.CLOSED,
    "reopening": lambda before: S.REPORTED,  # the CLOSED scenario closes a reported case
    "erasure": lambda before: S.CLOSED,
}

ALLOWED_FROM = {
    status: sorted(name for name, (allowed, _) in STEPS.items() if status in allowed)
    for status in Status
}
ALLOWED_FROM[S.TALK_HELD] = sorted([*ALLOWED_FROM[S.TALK_HELD], "warnings"])


@pytest.fixture(scope="module")
def services(module_database_url: str, module_key_dir: Path) -> Iterator[tuple[CaseService, CaseService]]:
    """The service that takes the steps, and another instance that has never seen the test's case."""
    settings = Settings(database_url=module_database_url, key_dir=module_key_dir)
    built = [build_case_service(settings), build_case_service(settings)]
    yield built[0], built[1]
    for service in built:
        close_case_service(service)


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
@pytest.mark.parametrize("step", list(STEPS))
def test_each_step_from_each_status(services: tuple[CaseService, CaseService], status: Status, step: str):
    service, fresh = services
    allowed_from, take = STEPS[step]
    cid = case_in(service, status)
    before = service.get_case(HR, cid)
    trail_before = service.history(HR, cid)

    if status in allowed_from:
        after = take(service, cid)
        assert after.version == before.version + 1
        assert after.status == EXPECTED_STATUS_AFTER[step](status).value
        trail = fresh.history(HR, cid)
        assert len(trail) == len(trail_before) + 1
        assert trail[-1].actor == {"id": HR.id, "role": "hr"}
        return

    with pytest.raises(StepNotAllowed) as raised:
        take(service, cid)
    error = raised.value
    assert error.status is status
    assert sorted(s.value for s in error.allowed) == sorted(
        a for a in ALLOWED_FROM[status] if not (isinstance(error, EmployeeNotHeard) and a == "warnings")
    )
    assert status.value in str(error)
    # Nothing was stored: an instance that never held the case reads the same version and trail.
    assert fresh.get_case(HR, cid).version == before.version
    assert fresh.history(HR, cid) == trail_before
