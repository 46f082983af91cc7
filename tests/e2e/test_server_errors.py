"""What gunicorn answers itself, before the application, is problem+json too: an overlong request
line (414), too many or too large header fields (431), bytes that are no HTTP (400), a request
whose head does not arrive in time (408), and a request whose worker overran its timeout (503).
Checked over a real server, with raw sockets.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from adapters.http.server_errors import (
    HEADER_FIELD_SIZE_LIMIT,
    HEADER_FIELDS_LIMIT,
    REQUEST_LINE_LIMIT,
    ProblemWorker,
)
from tests.e2e import slow_request_hooks
from tests.e2e.server import answer_of, running_server


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    database = tmp_path_factory.mktemp("server-errors") / "errors.sqlite3"
    with running_server(f"sqlite:///{database}", workers=1) as url:
        parts = urlsplit(url)
        yield parts.hostname or "127.0.0.1", parts.port or 80


def _exchange(address: tuple[str, int], raw: bytes) -> tuple[int, dict[str, str], bytes]:
    connection = socket.create_connection(address, timeout=10)
    connection.sendall(raw)
    return answer_of(connection)


def _assert_problem(answer: tuple[int, dict[str, str], bytes], status: int) -> dict[str, object]:
    got, headers, body = answer
    assert got == status, body
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"] == "about:blank"
    assert problem["title"] and problem["detail"] and "<" not in body.decode()
    return dict(problem)


def test_an_overlong_request_line_is_a_414_problem(address: tuple[str, int]) -> None:
    path = "/api/v1/cases?unit=" + "a" * (REQUEST_LINE_LIMIT + 10)
    problem = _assert_problem(_exchange(address, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()), 414)
    assert str(REQUEST_LINE_LIMIT) in str(problem["detail"])


def test_too_many_header_fields_are_a_431_problem(address: tuple[str, int]) -> None:
    fields = "".join(f"X-Field-{n}: {n}\r\n" for n in range(HEADER_FIELDS_LIMIT + 5))
    _assert_problem(_exchange(address, f"GET /healthz HTTP/1.1\r\nHost: x\r\n{fields}\r\n".encode()), 431)


def test_a_too_large_header_field_is_a_431_problem(address: tuple[str, int]) -> None:
    value = "b" * (HEADER_FIELD_SIZE_LIMIT + 10)
    _assert_problem(_exchange(address, f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {value}\r\n\r\n".encode()), 431)


def test_bytes_that_are_no_http_are_a_400_problem(address: tuple[str, int]) -> None:
    _assert_problem(_exchange(address, b"\x16\x03\x01 not http at all\r\n\r\n"), 400)


def test_the_server_still_answers_a_request_within_the_limits(address: tuple[str, int]) -> None:
    status, headers, _ = _exchange(address, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200 and headers["content-type"] == "application/json"


def test_a_request_whose_worker_is_aborted_for_its_timeout_gets_a_503_problem() -> None:
    # The arbiter aborts a worker that overran --timeout with SIGABRT; the worker answers, then exits.
    ours, clients = socket.socketpair()
    worker = ProblemWorker.__new__(ProblemWorker)
    worker.cfg = type("Cfg", (), {"worker_abort": staticmethod(lambda w: None)})()
    worker.alive = True
    worker._client = clients
    with ours, clients:
        with pytest.raises(SystemExit):
            worker.handle_abort(6, None)
        head, _, body = ours.recv(65536).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"Content-Type: application/problem+json" in head
    assert json.loads(body)["status"] == 503


def test_over_a_real_server_a_request_that_overruns_the_timeout_gets_a_503_problem(tmp_path) -> None:
    # The request is whole; handling it (a gunicorn hook that sleeps) overruns --timeout.
    env = {"GUNICORN_CMD_ARGS": f"--timeout 2 -c {Path(slow_request_hooks.__file__)}"}
    with running_server(f"sqlite:///{tmp_path / 'slow.sqlite3'}", env, workers=1) as url:
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=20) as connection:
            connection.sendall(f"GET {slow_request_hooks.SLOW_PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 "), received
    assert b"Content-Type: application/problem+json" in head
    assert json.loads(body)["status"] == 503


def test_over_a_real_server_a_request_that_never_ends_its_head_gets_a_408_problem(tmp_path) -> None:
    # Not the worker's timeout: the head must arrive within BREACHTRAIL_REQUEST_READ_TIMEOUT.
    env = {"GUNICORN_CMD_ARGS": "--timeout 30", "BREACHTRAIL_REQUEST_READ_TIMEOUT": "1"}
    with running_server(f"sqlite:///{tmp_path / 'stalled.sqlite3'}", env, workers=1) as url:
        parts = urlsplit(url)
        answer = _exchange((parts.hostname or "127.0.0.1", parts.port or 80), b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    problem = _assert_problem(answer, 408)
    assert "1 seconds" in str(problem["detail"])
