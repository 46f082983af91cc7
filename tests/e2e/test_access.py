"""Every route for every caller, through HTTP: who gets what, and a refusal stores nothing.

The expected statuses are written out from the contract (API.md's role table), not taken
from the code: a manager works in their own units, HR everywhere, a representative only
reads the policy; a case outside a manager's units is answered as if it did not exist.

A route that answers about one case (or only the policy) is checked on one app and database per
backend shared by the module: it compares the events before and after its request, and that
case's trail. A route whose answer covers every case (the case list, statistics, integrity) is
checked on an empty database of its own, as its expected answer says exactly what is there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.values import Outcome, Status
from service.cases import CaseService
from tests.e2e.http import CALLERS, NEW_CASE, USERS, Api, assert_problem, day, stored_events, trail
from tests.scenarios import INCIDENT_DAY, MANAGER, case_in

Arrange = Callable[[CaseService], UUID]


def _in(status: Status) -> Arrange:
    return lambda service: case_in(service, status)


def _heard_after_talk(service: CaseService) -> UUID:
    """A case at talk_held whose employee has given their statement: ready for a warning."""
    cid = case_in(service, Status.TALK_HELD)
    service.record_statement(MANAGER, cid, received_on=INCIDENT_DAY + timedelta(days=12), summary="My account.")
    return cid


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    # Expected status for: manager, other_manager, hr, rep, revoked, anonymous.
    expect: tuple[int, int, int, int, int, int]
    arrange: Arrange | None = None
    body: dict[str, Any] | None = None
    event: str | None = None
    status_after: str | None = None
    covers_every_case: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _step(name: str, arrange: Arrange, body: dict[str, Any], event: str, status_after: str,
          *, hr_only: bool = False) -> Route:
    # An HR-only step is refused by role before the case is looked at: 403 for every manager.
    expect = (403, 403, 200, 403, 401, 401) if hr_only else (200, 404, 200, 403, 401, 401)
    return Route("POST", f"/api/v1/cases/{{id}}/{name}", expect, arrange, body, event, status_after)


ROUTES = [
    Route("GET", "/api/v1/policy/rules", (200, 200, 200, 200, 401, 401)),
    Route("POST", "/api/v1/cases", (201, 403, 201, 403, 401, 401), body=NEW_CASE),
    Route("GET", "/api/v1/cases", (200, 200, 200, 403, 401, 401), arrange=_in(Status.ASSESSED),
          covers_every_case=True),
    Route("GET", "/api/v1/cases/{id}", (200, 404, 200, 403, 401, 401), arrange=_in(Status.ASSESSED)),
    Route("GET", "/api/v1/cases/{id}/history", (200, 404, 200, 403, 401, 401), arrange=_in(Status.ASSESSED)),
    Route("GET", "/api/v1/cases/{id}?as_of=2999-01-01T00:00:00Z", (200, 404, 200, 403, 401, 401),
          arrange=_in(Status.ASSESSED)),
    # HR only, refused by role before the case is looked at: 403 for every manager.
    Route("GET", "/api/v1/cases/{id}/export", (403, 403, 200, 403, 401, 401), arrange=_in(Status.ASSESSED)),
    Route("GET", "/api/v1/cases/{id}/access-log", (403, 403, 200, 403, 401, 401), arrange=_in(Status.ASSESSED)),
    _step("assessment", _in(Status.REPORTED),
          {"work_environment_issue": True, "severity": "medium", "notes": "Colleagues felt exposed."},
          "Assessed", "assessed"),
    _step("hearing", _in(Status.REPORTED), {"sent_on": day(5)}, "HearingOpened", "reported"),
    _step("statements", _in(Status.REPORTED), {"received_on": day(12), "summary": "My account."},
          "StatementRecorded", "reported"),
    _step("talks", _in(Status.ASSESSED),
          {"held_on": day(10), "participants": ["Mette Manager", "Jane Doe"], "union_rep_present": True,
           "summary": "Went through section 4.3."},
          "TalkHeld", "talk_held"),
    _step("warnings", _heard_after_talk, {"issued_on": day(20), "text": "Written warning.", "valid_until": None},
          "WarningIssued", "warning_issued"),
    _step("escalation", _in(Status.WARNING_ISSUED), {"reason": "Repeated after the warning."},
          "Escalated", "escalated", hr_only=True),
    _step("notes", _in(Status.REPORTED), {"text": "Called the employee."}, "NoteAdded", "reported"),
    _step("closure", _in(Status.REPORTED), {"outcome": Outcome.RESOLVED.value, "reason": "Behaviour changed."},
          "Closed", "closed"),
    _step("reopening", _in(Status.CLOSED), {"reason": "New facts."}, "Reopened", "reported", hr_only=True),
    _step("erasure", _in(Status.CLOSED), {"reason": "Retention period over."}, "PersonalDataErased", "closed",
          hr_only=True),
    # Anonymous by construction, so every role may read them; a manager sees what a rep sees.
    Route("GET", "/api/v1/statistics?group_by=unit&group_by=rule", (200, 200, 200, 200, 401, 401),
          arrange=_in(Status.ASSESSED), covers_every_case=True),
    Route("GET", "/api/v1/statistics/releases", (200, 200, 200, 200, 401, 401), arrange=_in(Status.ASSESSED),
          covers_every_case=True),
    # Releasing is HR's; this month has not ended, so there is nothing to release yet.
    Route("POST", "/api/v1/statistics/releases", (403, 403, 200, 403, 401, 401), body={},
          arrange=_in(Status.ASSESSED), covers_every_case=True),
    Route("GET", "/api/v1/integrity", (403, 403, 200, 403, 401, 401), arrange=_in(Status.ASSESSED),
          covers_every_case=True),
]
ONE_CASE_ROUTES = [route for route in ROUTES if not route.covers_every_case]
EVERY_CASE_ROUTES = [route for route in ROUTES if route.covers_every_case]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ONE_CASE_ROUTES, ids=lambda route: route.label)
def test_each_route_answers_each_caller_as_the_contract_says(
    shared_api: Api, shared_service: CaseService, route: Route, caller: str
) -> None:
    _answers_as_the_contract_says(shared_api, shared_service, route, caller)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", EVERY_CASE_ROUTES, ids=lambda route: route.label)
def test_each_route_over_every_case_answers_each_caller_as_the_contract_says(
    api: Api, service: CaseService, route: Route, caller: str
) -> None:
    _answers_as_the_contract_says(api, service, route, caller)


def _answers_as_the_contract_says(api: Api, service: CaseService, route: Route, caller: str) -> None:
    cid = route.arrange(service) if route.arrange else None
    path = route.path.format(id=cid)
    events_before = stored_events(service)
    trail_before = trail(service, cid) if cid else None

    response = api.request(route.method, path, route.body, caller=caller)

    expected = route.expect[CALLERS.index(caller)]
    assert response.status_code == expected, response.get_data(as_text=True)
    if expected < 400:
        _check_success(route, response.get_json(), response, caller, cid, service, events_before)
        return
    problem = assert_problem(response, expected)
    assert stored_events(service) == events_before, "a refused request stored an event"
    if cid:
        assert trail(service, cid) == trail_before
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if expected == 404:
        # Exactly what a case that does not exist gets.
        missing = api.request(route.method, route.path.format(id=uuid.uuid4()), route.body, caller=caller)
        assert missing.status_code == 404
        assert problem == {**missing.get_json(), "detail": problem["detail"]}
        assert problem["detail"] == f"case {cid} not found"


def _check_success(route: Route, body: Any, response: Any, caller: str, cid: UUID | None,
                   service: CaseService, events_before: int) -> None:
    user = USERS[caller]
    if route.path.startswith("/api/v1/statistics/releases"):
        assert body == []  # no month has ended since the case was reported
        assert stored_events(service) == events_before
    elif route.path.startswith("/api/v1/statistics"):
        assert body["group_by"] == ["unit", "rule"] and body["k"] == 5
        # One case, in a month not yet released: it shapes no answer at all.
        assert body["rows"] == [] and body["total"] == 0 and body["releases"] == []
        assert str(cid) not in response.get_data(as_text=True)
        assert stored_events(service) == events_before
    elif route.path == "/api/v1/integrity":
        assert body["status"] == "ok" and body["first_break"] is None
        assert body["events_verified"] == events_before == body["head"]["notification_id"]
    elif route.path == "/api/v1/policy/rules":
        assert {"code": "4.1", "section": "4"}.items() <= body[3].items()
        assert len(body) == 12
        assert stored_events(service) == events_before
    elif route.method == "POST" and route.path == "/api/v1/cases":
        assert response.status_code == 201
        assert response.headers["Location"] == f"/api/v1/cases/{body['id']}"
        assert response.headers["ETag"] == '"1"'
        assert body["status"] == "reported" and body["reported_by"] == user.id
        assert stored_events(service) == events_before + 1
    elif route.path == "/api/v1/cases":
        ids = [item["id"] for item in body["items"]]
        assert ids == ([] if caller == "other_manager" else [str(cid)])
        assert body["total"] == len(ids)
    elif route.path.endswith("/export"):
        assert body["case"]["id"] == str(cid) and body["case"]["status"] == "assessed"
        assert [entry["type"] for entry in body["history"]] == ["IncidentReported", "Assessed"]
        assert body["access_log"][-1]["user"] == {"id": user.id, "role": user.role.value}
        assert response.headers["Cache-Control"] == "no-store"
        assert stored_events(service) == events_before
    elif route.path.endswith("/access-log"):
        assert body[-1] == {**body[-1], "read": "access-log", "user": {"id": user.id, "role": user.role.value}}
        assert response.headers["Cache-Control"] == "no-store"
        assert stored_events(service) == events_before
    elif route.path.endswith("/history"):
        assert [entry["type"] for entry in body] == ["IncidentReported", "Assessed"]
        assert response.headers["Cache-Control"] == "no-store"
    elif route.method == "GET":
        assert body["id"] == str(cid) and body["status"] == "assessed"
        assert response.headers["ETag"] == f'"{body["version"]}"'
        assert response.headers["Cache-Control"] == "no-store"
    else:
        assert cid is not None
        assert body["status"] == route.status_after
        assert response.headers["ETag"] == f'"{body["version"]}"'
        entries = trail(service, cid)
        assert body["version"] == len(entries) and stored_events(service) == events_before + 1
        assert entries[-1].type == route.event
        assert entries[-1].actor == {"id": user.id, "role": user.role.value}
