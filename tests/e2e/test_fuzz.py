"""Requests generated from the OpenAPI document: whatever a client sends, the answer is documented.

For every operation of ``/api/v1/openapi.json`` (read from the app, so a new route is fuzzed
as soon as it is documented), a fixed number of requests is generated from the document
itself with schemathesis: valid and invalid bodies, query strings and headers. Each request
is sent as HR, as the manager of the unit the seeded cases are in, and as a work-environment
representative, in an order that varies. Every answer must be one the document names
explicitly (not merely through its catch-all ``default``), with the documented content type
(errors: ``application/problem+json``) and body shape, and none is a 5xx. What was stored
agrees with the answer: a refused request or a read stored no event, an accepted report or
step exactly one.

Case ids are drawn mostly from seeded cases in every status, ``If-Match`` mostly from
versions those cases can be at, and dates mostly from the days their steps can fall on, so
the step routes meet real cases and their rules rather than only 404s and 412s. Generation
is derandomised: every run sends the same requests, so a failure reproduces and a pass does
not depend on luck.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)
from schemathesis.config import SchemathesisConfig

from adapters.composition import close_case_service
from adapters.config import Settings, generate_master_key, parse_master_key
from adapters.http import create_app
from adapters.http.context import CASE_SERVICE
from domain.validation import DEFAULT_EARLIEST_DATE, HORIZON_DAYS
from domain.values import Status
from service.cases import CaseService
from tests.e2e.http import PROBLEM_JSON, Api, stored_events
from tests.scenarios import INCIDENT_DAY, MANAGER, TODAY, case_in

# Generated requests per operation, each sent by every caller. PostgreSQL gets fewer: that run
# is about the other database answering alike, not about more inputs.
MAX_EXAMPLES = {"sqlite": 25, "postgres": 10}
CALLERS = ("hr", "manager", "rep")
CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,  # what the document calls invalid must not be accepted
]
METHODS = ("get", "post", "put", "patch", "delete")
# How this API may refuse a request the document calls invalid; 413 (a body over the size limit) included.
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {
    "expected-statuses": ["400", "401", "403", "404", "409", "412", "413", "415", "422"],
}}})

# Dates mostly where a seeded case's steps can fall (from its incident to today), else within the
# document's bounds (x-earliest-date to the horizon), now and then anywhere: a date drawn from all
# of years 1..9999 would almost never let a step through.
schemathesis.openapi.format("date", st.one_of(
    st.dates(INCIDENT_DAY - timedelta(days=3), TODAY + timedelta(days=2)),
    st.dates(INCIDENT_DAY - timedelta(days=3), TODAY + timedelta(days=2)),
    st.dates(DEFAULT_EARLIEST_DATE, TODAY + timedelta(days=HORIZON_DAYS)),
    st.dates(),
).map(date.isoformat))
# No If-Match, any version, or the generated string (which names no version: 412).
IF_MATCH = st.one_of(st.none(), st.just("*"), st.integers(1, 12).map(lambda version: f'"{version}"'),
                     st.just("generated"))


def documented_operations(document: dict[str, Any]) -> list[str]:
    """``"METHOD /path"`` of every operation in an OpenAPI document."""
    return sorted(f"{method.upper()} {path}"
                  for path, item in document["paths"].items() for method in item if method in METHODS)


def _openapi_document() -> dict[str, Any]:
    """The document as the app serves it, from an app on a throwaway database."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'openapi.sqlite3'}",
                            master_key=parse_master_key(generate_master_key()))
        app = create_app({"SETTINGS": settings})
        try:
            document: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").get_json()
        finally:
            close_case_service(app.extensions[CASE_SERVICE])
    return document


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" in metafunc.fixturenames:
        metafunc.parametrize("operation", documented_operations(_openapi_document()))


@pytest.fixture
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


@pytest.fixture
def seeded_cases(service: CaseService) -> list[str]:
    """A case in every status, one more reported and one ready for a warning, all in the manager's unit."""
    cases: list[UUID] = [case_in(service, status) for status in Status]
    cases.append(case_in(service, Status.REPORTED))
    cases.append(ready_for_a_warning := case_in(service, Status.TALK_HELD))
    service.record_statement(MANAGER, ready_for_a_warning, received_on=INCIDENT_DAY + timedelta(days=12),
                             summary="My side of it.")
    return [str(case) for case in cases]


def _with_if_match(headers: dict[str, Any], tag: str | None) -> dict[str, Any]:
    if tag is None:
        return {name: value for name, value in headers.items() if name != "If-Match"}
    return headers if tag == "generated" else {**headers, "If-Match": tag}


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def test_the_document_has_the_routes_of_the_contract(document: dict[str, Any]) -> None:
    # The fuzzing below covers whatever the document lists; this keeps the list from going missing.
    steps = ("assessment", "hearing", "statements", "talks", "warnings", "escalation", "notes", "closure",
             "reopening", "erasure")
    contract = {
        "GET /healthz", "GET /api/v1/policy/rules", "GET /api/v1/cases", "POST /api/v1/cases",
        "GET /api/v1/cases/{case_id}", "GET /api/v1/cases/{case_id}/history", "GET /api/v1/statistics",
        *(f"POST /api/v1/cases/{{case_id}}/{step}" for step in steps),
    }
    assert contract <= set(documented_operations(document))


def test_every_generated_request_gets_a_documented_answer_and_stores_what_it_says(
    operation: str, app: Flask, api: Api, service: CaseService, document: dict[str, Any],
    seeded_cases: list[str], backend: str,
) -> None:
    method, path = operation.split(" ", 1)
    documented = {int(code) for code in document["paths"][path][method.lower()]["responses"] if code.isdigit()}
    # Reports and steps: each one accepted appends exactly one event (API.md, "Steps").
    appends_an_event = method == "POST" and path.startswith("/api/v1/cases")
    # Staff lists, reviews and introductions: accepted, at least one event (a review one per
    # participant more; a change that changes nothing, none).
    staff_writes = method in {"POST", "PATCH"} and path.startswith("/api/v1/units")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters or not _is_uuid(path_parameters.get("case_id")):
            return st.just(path_parameters)  # no case in the path, or an id made invalid on purpose
        # Now and then the generated (unknown) id is kept: 404 is an answer too.
        return st.sampled_from([*seeded_cases, None]).map(
            lambda case_id: path_parameters if case_id is None else {**path_parameters, "case_id": case_id}
        )

    @schema.hook
    def flatmap_headers(context: Any, headers: dict[str, Any] | None) -> Any:
        if not headers or "If-Match" not in headers:
            return st.just(headers)
        return IF_MATCH.map(lambda tag: _with_if_match(headers, tag))

    # The token is fixed, not generated (nor made invalid); each request is then sent with every caller's.
    authorised = {"Authorization": api.headers["hr"]["Authorization"]}
    endpoint = schema[path][method]
    cases = st.one_of(*(endpoint.as_strategy(mode, hooks=schema.hooks, headers=authorised)
                        for mode in GenerationMode))

    @given(case=cases, callers=st.permutations(CALLERS))
    @settings(max_examples=MAX_EXAMPLES[backend], deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def exercise(case: Any, callers: list[str]) -> None:
        for caller in callers:
            events_before = stored_events(service)
            response = case.call(headers=api.headers[caller])
            where = f"as {caller}: {case.as_curl_command()} -> {response.status_code} {response.text[:1000]}"

            case.validate_response(response, checks=CHECKS, headers=api.headers[caller])
            assert response.status_code in documented, where
            assert "Traceback" not in response.text, where
            if response.status_code >= 400:
                assert response.headers["content-type"] == [PROBLEM_JSON], where
                assert response.json()["status"] == response.status_code, where
            stored = stored_events(service) - events_before
            if appends_an_event and response.status_code in {200, 201}:
                assert stored == 1, where
                assert response.headers["etag"] == [f'"{response.json()["version"]}"'], where
            elif staff_writes and response.status_code in {200, 201}:
                assert stored >= (0 if method == "PATCH" else 1), where
            else:
                assert stored == 0, where

    exercise()
