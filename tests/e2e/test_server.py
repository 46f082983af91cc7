"""The real server, as ``make run`` starts it: ``breachtrail serve`` with gunicorn workers."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.e2e.server import BREACHTRAIL, ServerProcess, get_json, running_server


@pytest.fixture
def server(database_url: str) -> Iterator[ServerProcess]:
    process = ServerProcess(database_url, workers=2)
    try:
        yield process
    finally:
        process.close()


def test_two_workers_start_on_an_empty_database_answer_and_stop_cleanly(server: ServerProcess) -> None:
    # An empty database is where workers that each created the schema would collide.
    server.wait_until_healthy()

    answers = [get_json(f"{server.url}/healthz") for _ in range(10)]

    assert answers == [(200, {"status": "ok"})] * 10
    assert server.stop() == 0
    output = server.output()
    assert output.count("Booting worker") == 2
    assert "Traceback" not in output


def test_a_server_without_users_says_how_to_add_the_first_one(server: ServerProcess) -> None:
    server.wait_until_healthy()

    assert "users add <user-id> --role hr" in server.output()


def test_a_server_with_users_does_not_ask_for_one(database_url: str) -> None:
    subprocess.run(
        [str(BREACHTRAIL), "users", "add", "hanne.hr", "--role", "hr"],
        env={**os.environ, "BREACHTRAIL_DATABASE_URL": database_url},
        check=True, capture_output=True, timeout=60,
    )
    server = ServerProcess(database_url, workers=1)
    try:
        server.wait_until_healthy()
        assert "No users yet" not in server.output()
    finally:
        server.close()


def test_running_server_yields_a_healthy_base_url_and_stops_the_server(database_url: str) -> None:
    with running_server(database_url) as url:
        assert get_json(f"{url}/healthz") == (200, {"status": "ok"})

    with pytest.raises(OSError):
        get_json(f"{url}/healthz", timeout=2)


def test_a_token_sent_in_the_query_string_is_refused_and_never_logged(server: ServerProcess) -> None:
    server.wait_until_healthy()
    secret = "bt_" + "s" * 43
    status, _ = get_json(f"{server.url}/api/v1/cases?access_token={secret}&page=1")
    assert status == 401
    server.stop()
    output = server.output()
    assert '"GET /api/v1/cases HTTP/1.1" 401' in output
    assert secret not in output and "access_token" not in output
