"""People and cases the tests talk about, and the moves that bring a case to each status."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.values import Channel, Outcome, Role, Severity, Status
from service.cases import CaseService
from service.users import User
from service.views import CaseView

MANAGER = User("mette.manager", Role.MANAGER, frozenset({"tandplejen"}))
OTHER_MANAGER = User("ole.otherunit", Role.MANAGER, frozenset({"skoler"}))
HR = User("hanne.hr", Role.HR)
REP = User("rasmus.rep", Role.REP)

# The service's today is Denmark's: a UTC date would lag behind it late in the evening.
TODAY = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
INCIDENT_DAY = TODAY - timedelta(days=60)


class MovableClock:
    """A service clock a test moves forward; events keep their real recording times."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def unique_ref() -> str:
    return f"E-{uuid.uuid4().hex[:8]}"


def report(service: CaseService, user: User = MANAGER, **overrides: Any) -> CaseView:
    fields: dict[str, Any] = {
        "unit": "tandplejen",
        "employee_ref": unique_ref(),
        "employee_name": "Jane Doe",
        "occurred_on": INCIDENT_DAY,
        "rules": ["4.1", "6.1"],
        "channel": Channel.SNAPCHAT,
        "description": "Posted pictures of a colleague from the staff room on Snapchat.",
    }
    fields.update(overrides)
    return service.report_incident(user, **fields)


def case_id(view: CaseView) -> UUID:
    return UUID(view.id)


def _assess(service: CaseService, cid: UUID) -> CaseView:
    return service.assess(MANAGER, cid, work_environment_issue=True, severity=Severity.MEDIUM,
                          notes="Colleagues felt exposed.")


def _talk(service: CaseService, cid: UUID) -> CaseView:
    return service.hold_talk(MANAGER, cid, held_on=INCIDENT_DAY + timedelta(days=10),
                             participants=["Mette Manager", "Jane Doe"], union_rep_present=True,
                             summary="Went through section 4.3 of the policy.")


def _heard(service: CaseService, cid: UUID) -> CaseView:
    return service.record_statement(MANAGER, cid, received_on=INCIDENT_DAY + timedelta(days=12),
                                    summary="I did not think it would upset anyone.")


def _warn(service: CaseService, cid: UUID) -> CaseView:
    return service.issue_warning(MANAGER, cid, issued_on=INCIDENT_DAY + timedelta(days=20),
                                 text="Written warning under section 7 of the policy.", valid_until=None)


def _escalate(service: CaseService, cid: UUID) -> CaseView:
    return service.escalate(HR, cid, reason="Repeated after the warning.")


def _close(service: CaseService, cid: UUID) -> CaseView:
    return service.close_case(MANAGER, cid, outcome=Outcome.RESOLVED, reason="Behaviour changed.")


PATHS: dict[Status, list[Callable[[CaseService, UUID], CaseView]]] = {
    Status.REPORTED: [],
    Status.ASSESSED: [_assess],
    Status.TALK_HELD: [_assess, _talk],
    Status.WARNING_ISSUED: [_assess, _talk, _heard, _warn],
    Status.ESCALATED: [_assess, _talk, _heard, _warn, _escalate],
    Status.CLOSED: [_close],
}


def case_in(service: CaseService, status: Status) -> UUID:
    """A new case in tandplejen, taken to ``status`` by the usual steps."""
    cid = case_id(report(service))
    for move in PATHS[status]:
        move(service, cid)
    assert service.get_case(HR, cid).status == status.value
    return cid
