"""Monitoring sees counts by route and status, lag and totals at a protected /metrics; the request
log is one JSON line per request with no personal data, token or query string in it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from adapters.composition import close_case_service
from adapters.config import Settings
from adapters.http import create_app
from adapters.http.context import CASE_SERVICE, USER_STORE
from adapters.http.observability import REQUEST_LOGGER
from tests.e2e.http import NEW_CASE, Api, assert_problem, register_callers

METRICS_TOKEN = "m" * 32


@pytest.fixture
def monitored(database_url: str) -> Iterator[Flask]:
    app = create_app({"SETTINGS": Settings(database_url=database_url, metrics_token=METRICS_TOKEN)})
    yield app
    close_case_service(app.extensions[CASE_SERVICE])


def scrape(app: Flask, token: str | None = METRICS_TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().get("/metrics", headers=headers)


def sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + ("{" if labels else " ")) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} {labels} in metrics")


def test_metrics_count_requests_by_route_template_and_show_lag_and_totals(monitored: Flask) -> None:
    api = Api(monitored.test_client(), register_callers(monitored.extensions[USER_STORE]))
    before = scrape(monitored).get_data(as_text=True)
    created = api.post("/api/v1/cases", NEW_CASE, caller="manager")
    case_id = created.get_json()["id"]
    api.get(f"/api/v1/cases/{case_id}", caller="manager")
    api.get(f"/api/v1/cases/{case_id}", caller="other_manager")

    response = scrape(monitored)

    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    route = "/api/v1/cases/{case_id}"
    count = "breachtrail_http_requests_total"

    def grew(**labels: str) -> float:
        old = sample(before, count, **labels) if f'route="{labels["route"]}"' in before else 0.0
        return sample(text, count, **labels) - old

    assert grew(method="GET", route=route, status="200") == 1
    assert grew(method="GET", route=route, status="404") == 1
    assert grew(method="POST", route="/api/v1/cases", status="201") == 1
    assert sample(text, "breachtrail_http_request_duration_seconds_count", method="GET", route=route) >= 2
    assert sample(text, "breachtrail_events_stored") == 1
    assert sample(text, "breachtrail_projection_lag") == 0
    assert sample(text, "breachtrail_cases_erased") == 0
    assert sample(text, "breachtrail_database_up") == 1
    assert case_id not in text and "Jane Doe" not in text


def test_metrics_need_the_token_and_are_absent_without_one(monitored: Flask, database_url: str) -> None:
    assert_problem(scrape(monitored, token=None), 401)
    assert_problem(scrape(monitored, token="x" * 32), 401)
    app = create_app({"SETTINGS": Settings(database_url=database_url)})
    try:
        assert_problem(app.test_client().get("/metrics"), 404)
    finally:
        close_case_service(app.extensions[CASE_SERVICE])


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_the_request_log_is_one_json_line_without_personal_data_tokens_or_query(monitored: Flask) -> None:
    headers = register_callers(monitored.extensions[USER_STORE])
    client = monitored.test_client()
    token = headers["manager"]["Authorization"].split()[1]
    captured = Lines()
    logging.getLogger(REQUEST_LOGGER).addHandler(captured)
    try:
        created = client.post("/api/v1/cases", json=NEW_CASE, headers=headers["manager"])
        case_id = created.get_json()["id"]
        client.get("/api/v1/cases?unit=tandplejen&status=reported", headers=headers["manager"])
        client.get(f"/api/v1/cases/{case_id}", headers=headers["manager"])
    finally:
        logging.getLogger(REQUEST_LOGGER).removeHandler(captured)
    lines = [json.loads(message) for message in captured.messages]

    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("POST", "/api/v1/cases", 201), ("GET", "/api/v1/cases", 200), ("GET", "/api/v1/cases/{case_id}", 200)]
    assert all(line["user"] == "mette.manager" and line["request_id"] and line["duration_ms"] >= 0 for line in lines)
    logged = "\n".join(captured.messages)
    for secret in (token, "Jane Doe", "E-1042", case_id, "tandplejen", "reported", "Snapchat"):
        assert secret not in logged
