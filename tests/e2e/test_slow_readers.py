"""Clients that ask and then do not read their answer hold no worker for long: over the real
server with two workers, connections that request a large file and never read it are reset
once ``BREACHTRAIL_RESPONSE_WRITE_TIMEOUT`` has passed, and an ordinary request is answered in
that time, not after gunicorn's 30-second timeout has killed a worker with all it was reading.

Most answers fit in the kernel's socket buffers and never wait for the client. The test's
gunicorn settings shrink the server's send buffer to 4 KiB (``post_fork`` below), and the
clients shrink their receive buffer, so Swagger UI's 1.7 MB script waits as a larger answer
would over a slow or hostile connection.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.config import generate_master_key
from adapters.http.docs import SWAGGER_UI_ASSETS_URL, swagger_ui_directory
from tests.e2e.server import ServerProcess, get_json

WRITE_TIMEOUT = 2  # seconds: BREACHTRAIL_RESPONSE_WRITE_TIMEOUT for this server
GUNICORN_TIMEOUT = 30
LARGE_FILE = "swagger-ui-bundle.js"
SMALL_BUFFERS = """\
import socket


def post_fork(server, worker):
    for listener in worker.sockets:  # accepted connections inherit the listener's buffer size
        listener.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    hooks = tmp_path / "small_buffers.py"
    hooks.write_text(SMALL_BUFFERS)
    settings = {"BREACHTRAIL_MASTER_KEY": generate_master_key(), "BREACHTRAIL_KEY_DIR": str(tmp_path / "keys"),
                "BREACHTRAIL_RESPONSE_WRITE_TIMEOUT": str(WRITE_TIMEOUT),
                "GUNICORN_CMD_ARGS": f"--timeout {GUNICORN_TIMEOUT} -c {hooks}"}
    process = ServerProcess(f"sqlite:///{tmp_path / 'readers.sqlite3'}", settings, workers=2, cwd=Path.cwd())
    try:
        process.wait_until_healthy()
        yield process
    finally:
        process.close()


def ask_and_never_read(port: int) -> socket.socket:
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    connection.settimeout(GUNICORN_TIMEOUT + 10)
    connection.connect(("127.0.0.1", port))
    connection.sendall(f"GET {SWAGGER_UI_ASSETS_URL}{LARGE_FILE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return connection


def received_until_closed(connection: socket.socket) -> tuple[int, BaseException | None]:
    received = 0
    with connection:
        try:
            while chunk := connection.recv(65536):
                received += len(chunk)
        except OSError as error:
            return received, error
    return received, None


def test_clients_that_do_not_read_their_answer_are_reset_and_keep_no_one_waiting(
        server: ServerProcess) -> None:
    size = (swagger_ui_directory() / LARGE_FILE).stat().st_size
    assert size > 1_000_000  # far more than the buffers between the worker and the client hold
    opened = time.monotonic()
    # A worker accepts every connection waiting and then answers them in turn: one may hold all four.
    stalled = [ask_and_never_read(server.port) for _ in range(4)]
    time.sleep(0.5)

    started = time.monotonic()
    status, body = get_json(f"{server.url}/healthz", timeout=GUNICORN_TIMEOUT + 10)
    took = time.monotonic() - started

    assert status == 200, body
    assert took < len(stalled) * WRITE_TIMEOUT + 2, took  # not gunicorn's 30 s
    # Every stalled answer has been given up on by now; reading sooner could let one through whole.
    time.sleep(max(0.0, opened + len(stalled) * WRITE_TIMEOUT + 2 - time.monotonic()))
    for connection in stalled:
        received, error = received_until_closed(connection)
        assert received < size  # reset with its answer cut short, not kept open for it
        assert isinstance(error, ConnectionResetError), error
    server.stop()
    output = server.output()
    assert output.count("did not take its response within 2 seconds") == len(stalled), output
    assert "WORKER TIMEOUT" not in output and "Traceback" not in output, output
    assert output.count("Booting worker") == 2, output  # no worker was killed and replaced


def test_a_large_answer_read_at_once_arrives_whole(server: ServerProcess) -> None:
    expected = (swagger_ui_directory() / LARGE_FILE).read_bytes()
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(f"GET {SWAGGER_UI_ASSETS_URL}{LARGE_FILE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    received = b""
    with connection:
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")

    assert head.startswith(b"HTTP/1.1 200"), head
    assert body == expected


def test_a_client_that_reads_its_answer_at_a_trickle_is_reset_when_its_time_is_up(server: ServerProcess) -> None:
    size = (swagger_ui_directory() / LARGE_FILE).stat().st_size
    connection = ask_and_never_read(server.port)
    started = time.monotonic()
    received = 0
    error: BaseException | None = None
    with connection:
        try:  # about 100 kB a second: each piece the worker sends goes within a second, the whole takes 17 s
            while chunk := connection.recv(4096):
                received += len(chunk)
                time.sleep(0.04)
        except OSError as failed:
            error = failed
    took = time.monotonic() - started

    assert received < size and isinstance(error, ConnectionResetError), (received, error)
    assert took < WRITE_TIMEOUT + 3, took  # the deadline counts the whole answer, not each wait
    server.stop()
    output = server.output()
    assert output.count("did not take its response within 2 seconds") == 1, output
    assert "WORKER TIMEOUT" not in output, output
