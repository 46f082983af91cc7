"""Starting and stopping gunicorn on loopback: the real service, or a bare baseline app.

Both run with the settings ``breachtrail serve`` gives gunicorn (sync workers, access log
to stdout, no preload), in a process group of their own so that stopping reaches every
worker. Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BREACHTRAIL = Path(sys.executable).with_name("breachtrail")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
WORKERS = 2


class ServerError(RuntimeError):
    """The server did not start or stop as it should; the message carries its output."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A gunicorn master and its workers, started from ``command`` on a free loopback port."""

    def __init__(self, command: list[str], port: int, env: Mapping[str, str]):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        environ = {key: value for key, value in os.environ.items() if not key.startswith("BREACHTRAIL_")}
        environ.update(env)
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=environ,
            cwd=ROOT, start_new_session=True,
        )

    def output(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")[-4000:]

    def wait_until_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= WORKERS:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise ServerError(f"/healthz did not answer within {timeout} s:\n{self.output()}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: children of the master process."""
        children: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            with suppress(OSError):
                children.extend(int(pid) for pid in task.read_text().split())
        return sorted(children)

    def peak_rss_kib(self) -> list[int]:
        """Each worker's peak resident set size (VmHWM), in KiB."""
        return [peak_rss_kib(pid) for pid in self.worker_pids()]

    def stop(self) -> None:
        """Quick shutdown (SIGINT): the loads are over, so no request is cut short; TERM's grace costs seconds."""
        try:
            stop_group(self.process, signal.SIGINT)
            deadline = time.monotonic() + STOP_TIMEOUT
            while _group_alive(self.process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            self._log.close()


def stop_group(process: subprocess.Popen[Any], first: signal.Signals) -> None:
    """Send ``first`` to the process's group; if it has not ended within the timeout, kill the group."""
    if process.poll() is None:
        os.killpg(process.pid, first)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise ServerError(f"no VmHWM for process {pid}")


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _gunicorn_options(port: int) -> list[str]:
    from adapters.cli import gunicorn_options

    return gunicorn_options("127.0.0.1", port, WORKERS)


@contextmanager
def breachtrail_server(env: Mapping[str, str]) -> Iterator[Server]:
    """``breachtrail serve`` on a free loopback port, healthy, for the block's duration."""
    with breachtrail_servers(env, 1) as servers:
        yield servers[0]


@contextmanager
def breachtrail_servers(env: Mapping[str, str], count: int) -> Iterator[list[Server]]:
    """``count`` instances of ``breachtrail serve`` on one database, started together, each on its own port."""
    servers: list[Server] = []
    try:
        for _ in range(count):
            port = free_port()
            command = [str(BREACHTRAIL), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                       str(WORKERS)]
            servers.append(Server(command, port, env))
        for server in servers:
            server.wait_until_healthy()
        yield servers
    finally:
        for server in servers:
            server.stop()


@contextmanager
def baseline_server(database_url: str) -> Iterator[Server]:
    """The bare Flask INSERT endpoint under the same gunicorn settings."""
    from bench.baseline_app import create_table

    create_table(database_url)
    with _gunicorn("bench.baseline_app:app", database_url) as server:
        yield server


@contextmanager
def eventsourcing_baseline_server(database_url: str) -> Iterator[Server]:
    """The bare ``eventsourcing`` Application (``POST /reports``) under the same gunicorn settings."""
    from bench.baseline_eventsourcing import create_table

    create_table(database_url)
    with _gunicorn("bench.baseline_eventsourcing:app", database_url) as server:
        yield server


@contextmanager
def _gunicorn(application: str, database_url: str) -> Iterator[Server]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", *_gunicorn_options(port), application]
    server = Server(command, port, {"BREACHTRAIL_DATABASE_URL": database_url})
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()
