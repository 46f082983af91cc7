"""Every error is an RFC 9457 problem: malformed requests, unknown routes, refused steps, failures."""

from __future__ import annotations

import io
import json
import logging
import uuid
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from domain.values import Status
from service.cases import CaseService
from tests.e2e.http import NEW_CASE, Api, assert_problem, day, stored_events, trail
from tests.scenarios import case_in


def test_a_body_that_is_not_json_is_a_bad_request(api: Api, service: CaseService) -> None:
    response = api.post("/api/v1/cases", data='{"unit": "tandplejen",', content_type="application/json")

    assert_problem(response, 400, detail="The request body is not valid JSON.")
    assert stored_events(service) == 0


@pytest.mark.parametrize(
    "data",
    ["[" * 5000 + "]" * 5000, '{"description": ' + "9" * 5000 + "}"],
    ids=["nested thousands deep", "a number of thousands of digits"],
)
def test_json_beyond_what_the_decoder_holds_is_a_bad_request(
    shared_api: Api, shared_service: CaseService, data: str
) -> None:
    events_before = stored_events(shared_service)

    response = shared_api.post("/api/v1/cases", data=data, content_type="application/json")

    assert_problem(response, 400, detail="The request body is not valid JSON.")
    assert stored_events(shared_service) == events_before


def test_a_step_whose_body_is_not_json_is_a_bad_request(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.REPORTED)

    response = api.post(f"/api/v1/cases/{cid}/notes", data=b"\xff\xfe", content_type="application/json")

    assert_problem(response, 400)
    assert len(trail(service, cid)) == 1


@pytest.mark.parametrize(
    ("content_type", "data"),
    [("text/plain", "unit=tandplejen"), ("application/x-www-form-urlencoded", "unit=tandplejen"), (None, "")],
)
def test_a_body_that_is_not_declared_json_is_an_unsupported_media_type(
    api: Api, service: CaseService, content_type: str | None, data: str
) -> None:
    response = api.post("/api/v1/cases", data=data, content_type=content_type)

    assert_problem(response, 415, detail="Send the body as application/json.")
    assert stored_events(service) == 0


def test_a_body_over_64_kib_is_refused_before_it_is_read(api: Api, service: CaseService) -> None:
    body = {**NEW_CASE, "description": "x" * (64 * 1024)}

    response = api.post("/api/v1/cases", body)

    assert_problem(response, 413, detail="The request body exceeds the limit of 65536 bytes.")
    assert stored_events(service) == 0


def test_a_streamed_body_over_64_kib_is_refused_too(api: Api, service: CaseService) -> None:
    body = json.dumps({**NEW_CASE, "description": "x" * (64 * 1024)}).encode()

    # Chunked transfer: no Content-Length, and the server marks the end of the stream.
    response = api.post("/api/v1/cases", input_stream=io.BytesIO(body), content_type="application/json",
                        headers={"Transfer-Encoding": "chunked"},
                        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""})

    assert_problem(response, 413)
    assert stored_events(service) == 0


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic aGFubmU6c2VjcmV0", "Token bt_abc", "Bearer bt_" + "a" * 43,
     "Bearer not a token", "Bearer bt_\u00e6\u00f8\u00e5", "Bearer " + "b" * 5000],
    ids=["empty", "scheme only", "scheme and space", "basic", "other scheme", "unknown token",
         "spaces", "latin-1 letters", "very long"],
)
def test_anything_but_a_known_bearer_token_is_unauthorised(
    shared_api: Api, shared_service: CaseService, authorization: str
) -> None:
    events_before = stored_events(shared_service)

    response = shared_api.post("/api/v1/cases", NEW_CASE, caller="anonymous",
                               headers={"Authorization": authorization})

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert stored_events(shared_service) == events_before


def test_authentication_comes_before_reading_the_body(api: Api) -> None:
    response = api.post("/api/v1/cases", data="not json", content_type="text/plain", caller="anonymous")

    assert_problem(response, 401)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing", "/api/v1/cases/not-a-uuid", "/api/v1/cases/12345/history", "/api/v2/cases", "/"],
)
def test_an_unknown_route_or_a_malformed_case_id_is_not_found(shared_api: Api, path: str) -> None:
    assert_problem(shared_api.get(path), 404, type="about:blank", title="Not Found")


@pytest.mark.parametrize("route", ["", "/history", "/assessment", "/notes", "/closure"])
def test_a_case_that_does_not_exist_is_not_found_on_every_route(shared_api: Api, route: str) -> None:
    missing = uuid.uuid4()
    body = {"text": "x"} if route == "/notes" else {"outcome": "resolved", "reason": "x"}
    if route == "/assessment":
        body = {"work_environment_issue": False, "severity": "low"}
    response = shared_api.get(f"/api/v1/cases/{missing}{route}") if route in ("", "/history") else shared_api.post(
        f"/api/v1/cases/{missing}{route}", body
    )

    assert_problem(response, 404, detail=f"case {missing} not found")


def test_a_version_the_case_never_had_is_not_found(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.ASSESSED)

    assert_problem(api.get(f"/api/v1/cases/{cid}?version=3"), 404, detail=f"case {cid} has no version 3")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/cases/{id}", {"GET", "HEAD", "OPTIONS"}),
        ("PUT", "/api/v1/cases", {"GET", "POST", "HEAD", "OPTIONS"}),
        ("GET", "/api/v1/cases/{id}/closure", {"POST", "OPTIONS"}),
        ("PATCH", "/api/v1/policy/rules", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_a_wrong_method_is_not_allowed_and_says_which_are(
    shared_api: Api, shared_service: CaseService, method: str, path: str, allowed: set[str]
) -> None:
    cid = case_in(shared_service, Status.REPORTED)

    response = shared_api.client.open(path.format(id=cid), method=method, headers=shared_api.headers["hr"])

    assert_problem(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed
    assert len(trail(shared_service, cid)) == 1


def test_a_step_the_status_forbids_is_a_conflict_naming_status_and_allowed_steps(
    api: Api, service: CaseService
) -> None:
    cid = case_in(service, Status.REPORTED)

    response = api.post(f"/api/v1/cases/{cid}/talks", {"held_on": day(3), "participants": ["Mette"],
                                                       "union_rep_present": False, "summary": "Too early."})

    problem = assert_problem(
        response, 409, type="urn:breachtrail:problem:step-not-allowed", step="talks", current_status="reported",
        allowed_steps=["assessment", "hearing", "statements", "notes", "closure"],
    )
    assert "reported" in problem["detail"]
    assert len(trail(service, cid)) == 1


def test_a_closed_case_takes_no_step_but_reopening(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.CLOSED)

    response = api.post(f"/api/v1/cases/{cid}/notes", {"text": "One more thing."}, caller="manager")

    assert_problem(response, 409, current_status="closed", allowed_steps=["reopening", "erasure"])
    assert len(trail(service, cid)) == 2


def test_a_warning_before_the_employee_was_heard_is_a_conflict_citing_the_hearing_rule(
    api: Api, service: CaseService
) -> None:
    cid = case_in(service, Status.TALK_HELD)

    response = api.post(f"/api/v1/cases/{cid}/warnings", {"issued_on": day(20), "text": "Written warning."},
                        caller="manager")

    problem = assert_problem(response, 409, type="urn:breachtrail:problem:employee-not-heard",
                             step="warnings", current_status="talk_held")
    assert "warnings" not in problem["allowed_steps"]
    assert "forvaltningsloven § 19" in problem["detail"]
    assert len(trail(service, cid)) == 3


def test_a_warning_dated_before_any_talk_is_a_conflict(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.TALK_HELD)  # the talk was held on day 10

    response = api.post(f"/api/v1/cases/{cid}/warnings", {"issued_on": day(5), "text": "Too early."})

    assert_problem(response, 409, type="urn:breachtrail:problem:talk-not-held", current_status="talk_held")
    assert len(trail(service, cid)) == 3


def test_a_step_that_keeps_losing_races_is_a_conflict_and_stores_nothing(
    api: Api, service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = case_in(service, Status.REPORTED)

    def always_beaten(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("another writer stored this version first")

    monkeypatch.setattr(service, "save", always_beaten)
    response = api.post(f"/api/v1/cases/{cid}/notes", {"text": "A note."})

    assert_problem(response, 409, type="urn:breachtrail:problem:concurrent-modification")
    monkeypatch.undo()
    assert len(trail(service, cid)) == 1


def test_an_unexpected_failure_is_logged_with_a_request_id_and_answered_without_details(
    api: Api, service: CaseService, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cid = case_in(service, Status.REPORTED)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals: connection string postgres://admin:pw@db")

    monkeypatch.setattr(service, "get_case", broken)
    with caplog.at_level(logging.ERROR, logger="adapters.http.problems"):
        response = api.get(f"/api/v1/cases/{cid}")

    problem = assert_problem(response, 500, type="about:blank", title="Internal Server Error")
    request_id = response.headers["X-Request-Id"]
    assert problem["request_id"] == request_id
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "RuntimeError" not in text
    logged = [record for record in caplog.records if request_id in record.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "secret internals" in str(logged[0].exc_info[1])


def test_every_response_carries_its_own_request_id(api: Api) -> None:
    ids = {api.get(path).headers["X-Request-Id"] for path in ["/healthz", "/api/v1/cases", "/api/v1/nothing"] * 2}

    assert len(ids) == 6
