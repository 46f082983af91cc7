"""Numbers a client picks are bounded and written in ASCII digits: a huge page, a huge page size,
digits of another script or thousands of digits are refused with 422 at once, never worked through.
"""

from __future__ import annotations

import time

import pytest

from domain.values import Status
from service.cases import CaseService
from tests.e2e.http import NEW_CASE, Api, assert_problem, stored_events
from tests.scenarios import case_in

QUICK = 0.5  # seconds: a refusal does no work that grows with the number

REFUSED_LIST_QUERIES = [
    ("page", f"page={10**9}"),
    ("per_page", f"per_page={10**6}"),
    ("page", "page=" + "9" * 5000),
    ("page", "page=١٢"),  # Arabic-Indic digits: Python's int() would read 12
    ("per_page", "per_page=٥٠"),
    ("page", "page=１"),  # a full-width digit
    ("page", "page=1_000"),
    ("page", "page=%201"),
    ("page", "page=0"),
    ("per_page", "per_page=-1"),
    ("page", "page=1e3"),
]


@pytest.mark.parametrize(("field", "query"), REFUSED_LIST_QUERIES, ids=[q[1][:20] for q in REFUSED_LIST_QUERIES])
def test_a_costly_or_foreign_number_in_the_case_list_is_refused_at_once(api: Api, field: str, query: str) -> None:
    started = time.perf_counter()
    problem = assert_problem(api.get(f"/api/v1/cases?{query}"), 422)
    assert time.perf_counter() - started < QUICK
    assert list(problem["errors"]) == [field]


def test_the_last_page_allowed_answers_at_once_and_empty(api: Api) -> None:
    assert api.post("/api/v1/cases", NEW_CASE).status_code == 201
    started = time.perf_counter()
    response = api.get("/api/v1/cases?page=1000000&per_page=200")
    assert time.perf_counter() - started < QUICK
    assert response.status_code == 200
    assert response.get_json()["items"] == [] and response.get_json()["total"] == 1


@pytest.mark.parametrize("query", ["version=١", "version=" + "1" * 40, f"version={2**31}",
                                   "as_of=٢٠٢٦-01-01T00:00:00Z", "as_of=2026-01-01T١٢:00:00Z"])
def test_a_foreign_or_huge_version_or_moment_is_refused(api: Api, service: CaseService, query: str) -> None:
    case = case_in(service, Status.REPORTED)
    events_before = stored_events(service)
    problem = assert_problem(api.get(f"/api/v1/cases/{case}?{query}"), 422)
    assert list(problem["errors"]) == [query.split("=")[0]]
    assert stored_events(service) == events_before


def test_the_document_bounds_every_number_a_client_picks(api: Api) -> None:
    document = api.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert parameters["page"]["minimum"] == 1 and parameters["page"]["maximum"] == 1_000_000
    assert parameters["per_page"]["minimum"] == 1 and parameters["per_page"]["maximum"] == 200
