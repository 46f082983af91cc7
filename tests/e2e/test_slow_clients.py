"""Slow clients do not make anyone else wait: over the real server with two workers and no proxy,
twenty connections that send half a request and stall, clients that trickle a byte a second,
bodies that never finish, connections that send nothing or never close, and still an ordinary
request is answered at once. The stalled ones are answered 408 as a problem when their time is up.

Only how requests arrive is at stake, not storage, so the server runs on SQLite.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapters.config import generate_master_key
from adapters.http.server_errors import MAX_BODY_BYTES
from tests.e2e.http import NEW_CASE
from tests.e2e.server import ServerProcess, answer_of
from tests.e2e.test_http_concurrency import Reply, add_user_with_the_cli, send

READ_TIMEOUT = 2  # seconds: BREACHTRAIL_REQUEST_READ_TIMEOUT for these servers
PROMPT = 1.0  # seconds an ordinary request may take while the slow clients wait


@dataclass(frozen=True)
class Served:
    url: str
    address: tuple[str, int]
    token: str

    def timed(self, method: str, path: str, body: Any = None) -> tuple[Reply, float]:
        started = time.monotonic()
        reply = send(self.url, method, path, self.token, body)
        return reply, time.monotonic() - started

    def connect(self, first: bytes = b"") -> socket.socket:
        connection = socket.create_connection(self.address, timeout=READ_TIMEOUT + 10)
        if first:
            connection.sendall(first)
        return connection


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("slow-clients")
    database_url = f"sqlite:///{folder / 'slow.sqlite3'}"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("BREACHTRAIL_")}
    settings = {"BREACHTRAIL_DATABASE_URL": database_url, "BREACHTRAIL_MASTER_KEY": generate_master_key(),
                "BREACHTRAIL_KEY_DIR": str(folder / "keys"),
                "BREACHTRAIL_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT)}
    token = add_user_with_the_cli({**environment, **settings}, "hanne.hr", "--role", "hr")
    process = ServerProcess(database_url, settings, workers=2, cwd=Path.cwd())
    try:
        process.wait_until_healthy()
        parts = urlsplit(process.url)
        yield Served(process.url, (parts.hostname or "127.0.0.1", parts.port or 80), token)
        process.stop()
        assert "Traceback" not in process.output(), process.output()
    finally:
        process.close()


def assert_late_problem(connection: socket.socket, opened: float) -> None:
    status, headers, body = answer_of(connection)
    waited = time.monotonic() - opened
    assert status == 408, body
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 408
    assert READ_TIMEOUT - 0.2 <= waited <= READ_TIMEOUT + 3, waited


def trickle(connection: socket.socket, data: bytes) -> threading.Thread:
    """Send ``data`` one byte a second on a thread of its own, until done or refused."""
    def run() -> None:
        for byte in data:
            try:
                connection.send(bytes([byte]))
            except OSError:
                return
            time.sleep(1.0)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_stalled_and_trickling_clients_do_not_keep_an_ordinary_request_waiting(server: Served) -> None:
    opened = time.monotonic()
    stalled = [server.connect(b"GET /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthoriz") for _ in range(20)]
    trickling = [server.connect() for _ in range(4)]
    threads = [trickle(connection, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") for connection in trickling]
    time.sleep(0.3)  # every one of them has reached a worker by now

    reply, took = server.timed("GET", "/api/v1/cases")

    assert reply.status == 200 and took < PROMPT, (reply, took)
    for connection in stalled + trickling:
        assert_late_problem(connection, opened)
    for thread in threads:
        thread.join(timeout=60)


def test_slow_bodies_do_not_keep_an_ordinary_request_waiting_and_create_nothing(server: Served) -> None:
    body = json.dumps(NEW_CASE).encode()
    head = (f"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    before = send(server.url, "GET", "/api/v1/cases", server.token).body["total"]
    opened = time.monotonic()
    slow = [server.connect(head + body[:20]) for _ in range(6)]
    time.sleep(0.3)

    reply, took = server.timed("POST", "/api/v1/cases", NEW_CASE)

    assert reply.status == 201 and took < PROMPT, (reply, took)
    for connection in slow:
        assert_late_problem(connection, opened)
    assert send(server.url, "GET", "/api/v1/cases", server.token).body["total"] == before + 1


def test_a_request_sent_in_pieces_within_the_time_allowed_is_served(server: Served) -> None:
    body = json.dumps(NEW_CASE).encode()
    pieces = [b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\n",
              f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n".encode(),
              f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body[:30], body[30:]]
    connection = server.connect()
    for piece in pieces:
        connection.sendall(piece)
        time.sleep(0.3)

    status, _, answer = answer_of(connection)

    assert status == 201, answer
    assert json.loads(answer)["unit"] == NEW_CASE["unit"]


def test_a_client_that_expects_100_continue_gets_it_once_then_its_answer(server: Served) -> None:
    body = json.dumps(NEW_CASE).encode()
    connection = server.connect(
        (f"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.token}\r\n"
         f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())

    interim = connection.recv(65536)
    connection.sendall(body)
    status, _, answer = answer_of(connection)

    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert status == 201 and b"100 Continue" not in answer, answer


def test_a_chunked_body_is_served_once_its_last_chunk_has_arrived(server: Served) -> None:
    body = json.dumps(NEW_CASE).encode()
    connection = server.connect(
        (f"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.token}\r\n"
         "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    for piece in (body[:40], body[40:]):
        connection.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        time.sleep(0.3)
    connection.sendall(b"0\r\n\r\n")

    status, _, answer = answer_of(connection)

    assert status == 201, answer


def test_a_body_declared_too_large_is_refused_at_once_without_waiting_for_it(server: Served) -> None:
    connection = server.connect(
        (f"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.token}\r\n"
         f"Content-Type: application/json\r\nContent-Length: {10 * MAX_BODY_BYTES}\r\n\r\n").encode())
    started = time.monotonic()

    status, headers, answer = answer_of(connection)

    assert status == 413 and headers["content-type"] == "application/problem+json", answer
    assert time.monotonic() - started < READ_TIMEOUT


def test_idle_connections_and_clients_that_never_close_hold_no_worker(server: Served) -> None:
    opened = time.monotonic()
    idle = [server.connect() for _ in range(10)]
    # Whole requests, answered, but the clients neither read nor close: the close waits for them.
    lingering = [server.connect(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") for _ in range(10)]
    time.sleep(0.3)

    reply, took = server.timed("GET", "/api/v1/cases")

    assert reply.status == 200 and took < PROMPT, (reply, took)
    for connection in idle:  # nothing asked, nothing answered: closed when the time is up
        with connection:
            assert connection.recv(65536) == b""
        assert time.monotonic() - opened <= READ_TIMEOUT + 3
    for connection in lingering:
        status, _, _ = answer_of(connection)
        assert status == 200


def test_a_request_still_arriving_when_the_server_is_told_to_stop_is_answered(tmp_path: Path) -> None:
    settings = {"BREACHTRAIL_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT), "BREACHTRAIL_KEY_DIR": str(tmp_path / "keys")}
    process = ServerProcess(f"sqlite:///{tmp_path / 'stop.sqlite3'}", settings, workers=1)
    try:
        process.wait_until_healthy()
        parts = urlsplit(process.url)
        connection = socket.create_connection((parts.hostname, parts.port), timeout=READ_TIMEOUT + 10)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.3)

        os.killpg(process.process.pid, signal.SIGTERM)
        time.sleep(0.3)
        connection.sendall(b"\r\n")
        status, _, body = answer_of(connection)

        assert status == 200, body
        assert process.process.wait(timeout=15) == 0
    finally:
        process.close()
