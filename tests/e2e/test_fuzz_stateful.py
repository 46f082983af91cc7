"""Sequences of requests as a user's client makes them, generated from the OpenAPI document.

schemathesis' stateful phase follows the document's links: a case reported with ``POST /cases``
is then read, and taken through its steps with the ``If-Match`` its answers carry, step after
step, with valid and invalid data. Every answer must be documented for its operation, match its
schema and be no server error; the read models stay answerable (a final statistics and case-list
read after every scenario). The run is seeded, so it sends the same requests every time.

``make test`` runs a short scenario budget; ``make fuzz`` a longer one
(``BREACHTRAIL_FUZZ_SCENARIOS``).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from tests.e2e.http import Api
from tests.e2e.test_fuzz import CONFIG  # also registers the date strategy the generated days come from

SCENARIOS = {"sqlite": 25, "postgres": 10}
STEPS_PER_SCENARIO = 15
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
READS_AFTER = ["/api/v1/cases", "/api/v1/cases?overdue=true", "/api/v1/statistics?group_by=month",
               "/api/v1/statistics?group_by=month&group_by=rule", "/api/v1/statistics?group_by=status"]


def _scenarios(backend: str) -> int:
    configured = os.environ.get("BREACHTRAIL_FUZZ_SCENARIOS", "").strip()
    return int(configured) if configured.isascii() and configured.isdigit() else SCENARIOS[backend]


def test_generated_sequences_of_requests_meet_no_server_error_and_no_undocumented_answer(
    app: Flask, api: Api, backend: str
) -> None:
    # The case routes and the reads beside them: the links from POST /cases lead only there, and
    # every other operation is fuzzed on its own (test_fuzz.py).
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG).include(
        path_regex=r"^/api/v1/(cases|statistics|deadlines)"
    )
    authorised = {"Authorization": api.headers["hr"]["Authorization"]}
    answered: Counter[tuple[str, str, int]] = Counter()
    created: set[str] = set()
    stepped: set[str] = set()  # steps that succeeded on a case the run itself reported

    @schema.auth()
    class Token:
        """Every request is HR's, whatever header the generator made for it."""

        def get(self, case: Any, context: Any) -> str:
            return authorised["Authorization"]

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": data}

    class UserClient(schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            answered[(case.method, case.operation.path, response.status_code)] += 1
            where = f"{case.as_curl_command()} -> {response.status_code} {response.text[:500]}"
            assert "Traceback" not in response.text, where
            if response.status_code == 201:
                created.add(response.json()["id"])
            elif response.status_code == 200 and case.method == "POST" and case.path_parameters["case_id"] in created:
                stepped.add(case.operation.path.rsplit("/", 1)[1])
            case.validate_response(response, checks=CHECKS, headers=authorised)

        def teardown(self) -> None:
            # Whatever the scenario stored, the read side still answers every reader.
            for path in READS_AFTER:
                for caller in ("hr", "rep"):
                    response = api.get(path, caller=caller)
                    expected = 403 if caller == "rep" and path.startswith("/api/v1/cases") else 200
                    assert response.status_code == expected, (caller, path, response.get_json())

    UserClient.run(settings=settings(
        max_examples=_scenarios(backend), stateful_step_count=STEPS_PER_SCENARIO, deadline=None,
        derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    ))

    print("\n".join(f"{count:5} {method} {path} -> {status}"
                    for (method, path, status), count in sorted(answered.items())))
    # The links took the run past the report: steps were taken on the cases it reported.
    assert created and len(stepped) >= 2, (stepped, answered)
