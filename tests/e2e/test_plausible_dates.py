"""Every date a client sends is plausible, not only well formed: from the installation's earliest day
(2000-01-01 unless set) to today, or, for a deadline or a validity, to five years ahead. Anything else
is a 422 naming the field, through the API and through the service the other entry points use, and
nothing is stored. The tables of refused dates share one app and database per backend (``shared_api``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidCaseData
from domain.validation import DEFAULT_EARLIEST_DATE, HORIZON_DAYS, DateBounds
from domain.values import Status
from service.cases import CaseService
from tests.e2e.http import NEW_CASE, Api, assert_problem, day, stored_events
from tests.scenarios import HR, MANAGER, TODAY, case_in, report

BEFORE_EARLIEST = (DEFAULT_EARLIEST_DATE - timedelta(days=1)).isoformat()
BEYOND_HORIZON = (TODAY + timedelta(days=HORIZON_DAYS + 1)).isoformat()
LAST_DAY_AHEAD = (TODAY + timedelta(days=HORIZON_DAYS)).isoformat()
TALK = {"participants": ["Mette Manager"], "union_rep_present": False, "summary": "Talked."}

# (route, status the case is in, body, the field named)
IMPLAUSIBLE = [
    ("cases", None, {**NEW_CASE, "occurred_on": "0133-01-01"}, "occurred_on"),
    ("cases", None, {**NEW_CASE, "occurred_on": BEFORE_EARLIEST}, "occurred_on"),
    ("hearing", Status.REPORTED, {"sent_on": BEFORE_EARLIEST}, "sent_on"),
    ("hearing", Status.REPORTED, {"sent_on": day(1), "deadline": BEYOND_HORIZON}, "deadline"),
    ("hearing", Status.REPORTED, {"sent_on": day(1), "deadline": "9999-12-31"}, "deadline"),
    ("statements", Status.REPORTED, {"received_on": "1999-12-31", "summary": "Old."}, "received_on"),
    ("talks", Status.ASSESSED, {**TALK, "held_on": "1970-01-01"}, "held_on"),
    ("warnings", Status.TALK_HELD, {"issued_on": "0001-01-01", "text": "W."}, "issued_on"),
    ("warnings", Status.TALK_HELD, {"issued_on": day(20), "text": "W.", "valid_until": BEYOND_HORIZON},
     "valid_until"),
    ("cases", None, {**NEW_CASE, "occurred_on": "٢٠٢٦-٠١-٠١"}, "occurred_on"),  # Arabic-Indic digits
    ("cases", None, {**NEW_CASE, "occurred_on": "２０２６-０１-０１"}, "occurred_on"),  # full-width digits
]


@pytest.mark.parametrize(("route", "status", "body", "field"), IMPLAUSIBLE,
                         ids=[f"{case[0]}-{case[3]}-{i}" for i, case in enumerate(IMPLAUSIBLE)])
def test_an_implausible_date_is_refused_by_the_api_and_nothing_is_stored(
    shared_api: Api, shared_service: CaseService, route: str, status: Status | None, body: dict[str, Any], field: str
) -> None:
    path = "/api/v1/cases" if status is None else f"/api/v1/cases/{case_in(shared_service, status)}/{route}"
    events_before = stored_events(shared_service)

    started = time.perf_counter()
    problem = assert_problem(shared_api.post(path, body), 422, type="urn:breachtrail:problem:invalid-input")

    assert time.perf_counter() - started < 1
    assert list(problem["errors"]) == [field]
    assert stored_events(shared_service) == events_before


def test_the_first_and_last_plausible_days_are_accepted(api: Api, service: CaseService) -> None:
    earliest = api.post("/api/v1/cases", {**NEW_CASE, "occurred_on": DEFAULT_EARLIEST_DATE.isoformat()})
    assert earliest.status_code == 201, earliest.get_json()
    assert earliest.get_json()["occurred_on"] == "2000-01-01"

    case = case_in(service, Status.REPORTED)
    hearing = api.post(f"/api/v1/cases/{case}/hearing", {"sent_on": TODAY.isoformat(), "deadline": LAST_DAY_AHEAD})
    assert hearing.status_code == 200, hearing.get_json()
    assert hearing.get_json()["hearings"][0]["deadline"] == LAST_DAY_AHEAD


def test_as_of_before_the_earliest_day_is_refused(api: Api, service: CaseService) -> None:
    case = case_in(service, Status.REPORTED)
    for as_of in ("1999-12-31T23:00:00Z", "0001-01-01T00:00:00Z"):
        problem = assert_problem(api.get(f"/api/v1/cases/{case}?as_of={as_of}"), 422)
        assert list(problem["errors"]) == ["as_of"]


def test_the_document_states_the_bounds(api: Api) -> None:
    schemas = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    hearing = schemas["Hearing"]["properties"]
    assert hearing["sent_on"]["x-earliest-date"] == "2000-01-01"
    assert hearing["sent_on"]["x-latest-date"] == "today"
    assert hearing["deadline"]["x-horizon-days"] == HORIZON_DAYS
    assert schemas["ReportIncident"]["properties"]["occurred_on"]["x-earliest-date"] == "2000-01-01"


# The service refuses the same, so the browser application and the command line do too.
SERVICE_CALLS: list[tuple[str, Status | None, Callable[[CaseService, UUID | None], Any]]] = [
    ("occurred_on", None, lambda s, c: report(s, occurred_on=date(133, 1, 1))),
    ("sent_on", Status.REPORTED, lambda s, c: s.open_hearing(MANAGER, c, sent_on=date(1999, 12, 31))),
    ("deadline", Status.REPORTED,
     lambda s, c: s.open_hearing(MANAGER, c, sent_on=TODAY, deadline=date(9999, 12, 31))),
    ("received_on", Status.REPORTED,
     lambda s, c: s.record_statement(MANAGER, c, received_on=date(1900, 1, 1), summary="S.")),
    ("held_on", Status.ASSESSED, lambda s, c: s.hold_talk(MANAGER, c, held_on=date(1, 1, 1), **{
        k: v for k, v in TALK.items()})),
    ("valid_until", Status.TALK_HELD, lambda s, c: s.issue_warning(
        HR, c, issued_on=TODAY, text="W.", valid_until=TODAY + timedelta(days=HORIZON_DAYS + 1))),
]


@pytest.mark.parametrize(("field", "status", "call"), SERVICE_CALLS, ids=[c[0] for c in SERVICE_CALLS])
def test_the_service_refuses_implausible_dates_for_every_entry_point(
    shared_service: CaseService, field: str, status: Status | None, call: Callable[[CaseService, UUID | None], Any]
) -> None:
    case = None if status is None else case_in(shared_service, status)
    events_before = stored_events(shared_service)

    with pytest.raises(InvalidCaseData) as refused:
        call(shared_service, case)

    assert field in refused.value.errors
    assert stored_events(shared_service) == events_before


def test_an_installation_may_set_a_later_earliest_day(service: CaseService) -> None:
    service.date_bounds = DateBounds(earliest=TODAY - timedelta(days=30))
    with pytest.raises(InvalidCaseData) as refused:
        report(service, occurred_on=TODAY - timedelta(days=31), description="")
    assert set(refused.value.errors) == {"occurred_on", "description"}
    assert report(service, occurred_on=TODAY - timedelta(days=30)).occurred_on == TODAY - timedelta(days=30)
