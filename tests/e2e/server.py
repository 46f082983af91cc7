"""Starting and stopping the real server (``breachtrail serve``) for end-to-end tests.

Every wait is bounded: a server that does not come up, or does not go down, fails the test
with its output instead of hanging the run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
BREACHTRAIL = Path(sys.executable).with_name("breachtrail")


class ServerError(AssertionError):
    """The server did not start or stop as it should; the message carries its output."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str, *, timeout: float = 5.0) -> tuple[int, Any]:
    """GET ``url``; the status and the decoded JSON body, also for error statuses."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class ServerProcess:
    """``breachtrail serve`` in a process group of its own, on a free loopback port."""

    def __init__(self, database_url: str, env: Mapping[str, str] | None = None, *, workers: int = 2,
                 cwd: str | Path | None = None):
        if not BREACHTRAIL.exists():
            raise ServerError(f"{BREACHTRAIL} is missing: install the project (make test does)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Every process on one database needs the same epoch keys: the test's key folder goes along.
        environ = {key: value for key, value in os.environ.items()
                   if not key.startswith("BREACHTRAIL_") or key == "BREACHTRAIL_KEY_DIR"}
        environ.update({"BREACHTRAIL_DATABASE_URL": database_url, **(env or {})})
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server, closed by close()
        self.process = subprocess.Popen(
            [str(BREACHTRAIL), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=environ, cwd=cwd,
            start_new_session=True,  # its own process group, so stopping it reaches every worker
        )

    def output(self) -> str:
        """Everything the server printed so far."""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")

    def wait_until_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Poll ``/healthz`` until it answers 200; fail with the server's output otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if get_json(f"{self.url}/healthz", timeout=2)[0] == 200:
                    return
            except (OSError, ValueError):
                pass  # not listening yet, or a worker still booting
            time.sleep(0.1)
        raise ServerError(f"/healthz did not answer 200 within {timeout} s:\n{self.output()}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM to the whole process group, wait for every process to go; the exit status."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
            deadline = time.monotonic() + timeout
            while _group_alive(self.process.pid):
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(str(BREACHTRAIL), timeout)
                time.sleep(0.05)
        except subprocess.TimeoutExpired:
            _kill_group(self.process.pid)
            self.process.wait(timeout=timeout)
            raise ServerError(f"the server did not stop within {timeout} s of SIGTERM:\n{self.output()}") from None
        return self.process.returncode

    def close(self) -> None:
        """Stop the server if it runs, and drop its output."""
        try:
            if self.process.poll() is None or _group_alive(self.process.pid):
                self.stop()
        finally:
            self._log.close()


@contextmanager
def running_server(database_url: str, env: Mapping[str, str] | None = None, *, workers: int = 2,
                   cwd: str | Path | None = None) -> Iterator[str]:
    """A healthy server on ``database_url`` for the block's duration; yields its base URL."""
    server = ServerProcess(database_url, env, workers=workers, cwd=cwd)
    try:
        server.wait_until_healthy()
        yield server.url
    finally:
        server.close()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(group: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def answer_of(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Everything a server sends on a raw connection until it closes it: status, header fields, body."""
    received = b""
    with connection:
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    return int(status_line.split(" ")[1]), headers, body
