"""Invalid input is a 422 problem naming each field at fault, and nothing is stored.

The long tables of invalid input share one app and database per backend (``shared_api``): each
test compares the events, or its own case's trail, before and after its request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from adapters.composition import close_case_service
from adapters.config import Settings
from adapters.http import create_app
from adapters.http.context import CASE_SERVICE, USER_STORE
from domain.values import Status
from service.cases import CaseService
from tests.e2e.http import NEW_CASE, Api, assert_problem, day, register_callers, stored_events, trail
from tests.scenarios import TODAY, case_in

FUTURE_DAY = (TODAY + timedelta(days=2)).isoformat()


def _case(**changes: Any) -> dict[str, Any]:
    body = {**NEW_CASE, **changes}
    return {key: value for key, value in body.items() if value is not ...}


def _employee(**changes: Any) -> dict[str, Any]:
    return _case(employee={**NEW_CASE["employee"], **changes})


# (what is wrong, body, the field the problem names)
INVALID_REPORTS = [
    ("an unknown field", _case(priority="high"), "priority"),
    ("no unit", _case(unit=...), "unit"),
    ("a unit that is no slug", _case(unit="Tand Plejen"), "unit"),
    ("no employee", _case(employee=...), "employee"),
    ("an employee without ref", _case(employee={"name": "Jane Doe"}), "employee.ref"),
    ("an employee ref of 65 characters", _employee(ref="E" * 65), "employee.ref"),
    ("an employee ref that is a number", _employee(ref=1042), "employee.ref"),
    ("an employee name of 201 characters", _employee(name="J" * 201), "employee.name"),
    ("an unknown employee field", _employee(age=41), "employee.age"),
    ("a date without leading zeros", _case(occurred_on="2026-6-1"), "occurred_on"),
    ("a date in basic ISO format", _case(occurred_on="20260610"), "occurred_on"),
    ("a date that does not exist", _case(occurred_on="2026-02-30"), "occurred_on"),
    ("an incident in the future", _case(occurred_on=FUTURE_DAY), "occurred_on"),
    ("no rule", _case(rules=[]), "rules"),
    ("an unknown rule", _case(rules=["4.1", "9.9"]), "rules.1"),
    ("rules as a string", _case(rules="4.1"), "rules"),
    ("a rule named twice", _case(rules=["4.1", "4.1"]), "rules"),
    ("an unknown channel", _case(channel="tiktok"), "channel"),
    ("an empty description", _case(description=""), "description"),
    ("a blank description", _case(description="   "), "description"),
    ("a description of 5001 characters", _case(description="x" * 5001), "description"),
    ("a NUL character", _case(description="before\x00after"), "description"),
    ("a lone surrogate", _case(description="broken \ud800 text"), "description"),
    ("a right-to-left override in a name", _employee(name="Jane \u202eeoD"), "employee.name"),
    ("an isolate in a reference", _employee(ref="E-\u20661042\u2069"), "employee.ref"),
    ("a line separator in a name", _employee(name="Jane\u2028Doe"), "employee.name"),
    ("a right-to-left mark in a reference", _employee(ref="E-1042\u200f"), "employee.ref"),
]


@pytest.mark.parametrize(("wrong", "body", "field"), INVALID_REPORTS, ids=[case[0] for case in INVALID_REPORTS])
def test_a_report_with_invalid_data_is_refused_field_by_field(
    shared_api: Api, shared_service: CaseService, wrong: str, body: dict[str, Any], field: str
) -> None:
    events_before = stored_events(shared_service)

    response = shared_api.post("/api/v1/cases", body, caller="manager")

    problem = assert_problem(response, 422, type="urn:breachtrail:problem:invalid-input")
    assert field in problem["errors"], problem["errors"]
    assert all(isinstance(message, str) for messages in problem["errors"].values() for message in messages)
    assert stored_events(shared_service) == events_before


def test_every_invalid_field_of_a_report_is_named_at_once(api: Api, service: CaseService) -> None:
    body = _case(unit="X", employee={"ref": ""}, occurred_on=FUTURE_DAY, rules=["0.0"], extra=True)

    problem = assert_problem(api.post("/api/v1/cases", body), 422)

    assert set(problem["errors"]) == {"unit", "employee.ref", "occurred_on", "rules.0", "extra"}
    assert stored_events(service) == 0


def test_a_body_that_is_not_an_object_is_refused(api: Api, service: CaseService) -> None:
    problem = assert_problem(api.post("/api/v1/cases", ["tandplejen"]), 422)

    assert problem["errors"] == {"_schema": ["Invalid input type."]}
    assert stored_events(service) == 0


TALK = {"held_on": day(10), "participants": ["Mette Manager"], "union_rep_present": False, "summary": "Talked."}

# (step, status the case is in, body, the field the problem names)
INVALID_STEPS = [
    ("assessment", Status.REPORTED, {"work_environment_issue": "yes", "severity": "low"}, "work_environment_issue"),
    ("assessment", Status.REPORTED, {"work_environment_issue": True, "severity": "extreme"}, "severity"),
    ("assessment", Status.REPORTED, {"work_environment_issue": True, "severity": "low", "notes": 7}, "notes"),
    ("hearing", Status.REPORTED, {"sent_on": FUTURE_DAY}, "sent_on"),
    ("hearing", Status.REPORTED, {"sent_on": day(5), "deadline": day(4)}, "deadline"),
    ("statements", Status.REPORTED, {"received_on": day(-1), "summary": "Before the incident."}, "received_on"),
    ("statements", Status.REPORTED, {"received_on": day(1)}, "summary"),
    ("talks", Status.ASSESSED, {**TALK, "participants": []}, "participants"),
    ("talks", Status.ASSESSED, {**TALK, "participants": [f"P{i}" for i in range(21)]}, "participants"),
    ("talks", Status.ASSESSED, {**TALK, "participants": ["ok", "N" * 201]}, "participants.1"),
    ("talks", Status.ASSESSED, {**TALK, "participants": ["Line\nbreak"]}, "participants.0"),
    ("talks", Status.ASSESSED, {**TALK, "union_rep_present": None}, "union_rep_present"),
    ("warnings", Status.TALK_HELD, {"issued_on": day(20), "text": "W.", "valid_until": day(19)}, "valid_until"),
    ("escalation", Status.WARNING_ISSUED, {"reason": ""}, "reason"),
    ("notes", Status.REPORTED, {}, "text"),
    ("closure", Status.REPORTED, {"outcome": "fired", "reason": "No."}, "outcome"),
    ("reopening", Status.CLOSED, {"reason": "r" * 5001}, "reason"),
    ("erasure", Status.CLOSED, {"reason": "Retention over.", "when": "now"}, "when"),
]


@pytest.mark.parametrize(
    ("step", "status", "body", "field"), INVALID_STEPS, ids=[f"{s[0]}-{s[3]}" for s in INVALID_STEPS]
)
def test_a_step_with_invalid_data_is_refused_and_the_trail_is_unchanged(
    shared_api: Api, shared_service: CaseService, step: str, status: Status, body: dict[str, Any], field: str
) -> None:
    cid = case_in(shared_service, status)
    before = trail(shared_service, cid)

    response = shared_api.post(f"/api/v1/cases/{cid}/{step}", body)

    problem = assert_problem(response, 422, type="urn:breachtrail:problem:invalid-input")
    assert field in problem["errors"], problem["errors"]
    assert trail(shared_service, cid) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("status=open", "status"),
        ("rule=9.9", "rule"),
        ("unit=Tand%20Plejen", "unit"),
        ("overdue=yes", "overdue"),
        ("sort=newest", "sort"),
    ],
)
def test_a_case_list_query_with_an_invalid_filter_is_refused(shared_api: Api, query: str, field: str) -> None:
    problem = assert_problem(shared_api.get(f"/api/v1/cases?{query}"), 422)

    assert field in problem["errors"], problem["errors"]


@pytest.mark.parametrize("version", ["0", "-1", "two", "1.5"])
def test_a_case_version_must_be_a_positive_whole_number(
    shared_api: Api, shared_service: CaseService, version: str
) -> None:
    cid = case_in(shared_service, Status.REPORTED)

    problem = assert_problem(shared_api.get(f"/api/v1/cases/{cid}?version={version}"), 422)

    assert "version" in problem["errors"]


def test_an_installation_that_lists_its_units_refuses_any_other(database_url: str) -> None:
    app = create_app({"SETTINGS": Settings(database_url=database_url, known_units=frozenset({"tandplejen"}))})
    try:
        api = Api(app.test_client(), register_callers(app.extensions[USER_STORE]))

        problem = assert_problem(api.post("/api/v1/cases", _case(unit="skoler")), 422)

        assert "unit" in problem["errors"]
        assert stored_events(app.extensions[CASE_SERVICE]) == 0
        assert api.post("/api/v1/cases", NEW_CASE).status_code == 201
    finally:
        close_case_service(app.extensions[CASE_SERVICE])
