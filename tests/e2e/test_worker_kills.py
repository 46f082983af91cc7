"""A web worker SIGKILLed in the middle of requests: each client sees an error or a success, and no
step is ever half-stored — the events, the case list and the chain agree afterwards."""

from __future__ import annotations

import http.client
import os
import random
import signal
import subprocess
import threading
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.config import generate_master_key
from tests.e2e.server import BREACHTRAIL, ServerProcess
from tests.e2e.test_http_concurrency import Server, add_user_with_the_cli

WORKERS = 3
WRITERS = 4
CASES = 4
KILLS = 4
PAUSE = 0.6  # seconds of load between two kills


def workers_of(group: int) -> list[int]:
    """The gunicorn workers in the server's process group: members whose parent is a member too,
    and who have no children of their own (the master has them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, pgid = int(fields[1]), int(fields[2])
        if pgid == group:
            parents[int(entry.name)] = ppid
    return [pid for pid, ppid in parents.items() if ppid in parents and pid not in parents.values()]


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[Server, ServerProcess, dict[str, str]]]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("BREACHTRAIL_") or key == "BREACHTRAIL_KEY_DIR"}
    environment.update(BREACHTRAIL_DATABASE_URL=database_url, BREACHTRAIL_MASTER_KEY=generate_master_key())
    token = add_user_with_the_cli(environment, "hanne.hr", "--role", "hr")
    process = ServerProcess(database_url, {k: v for k, v in environment.items() if k.startswith("BREACHTRAIL_")},
                            workers=WORKERS)
    try:
        process.wait_until_healthy()
        yield Server(process.url, token), process, environment
    finally:
        process.close()


def test_a_worker_killed_mid_request_leaves_no_half_stored_step(
    served: tuple[Server, ServerProcess, dict[str, str]]
) -> None:
    server, process, environment = served
    cases = [server.new_case() for _ in range(CASES)]
    acknowledged: list[tuple[str, str]] = []
    unanswered = 0
    bad: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write(writer: int) -> None:
        nonlocal unanswered
        chooser = random.Random(writer)
        sent = 0
        while not stop.is_set():
            case_id, text = chooser.choice(cases), f"note {writer}-{sent}"
            sent += 1
            try:
                reply = server.send("POST", f"/api/v1/cases/{case_id}/notes", {"text": text})
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
                with lock:
                    unanswered += 1  # the worker died under it: an error, which is allowed
                continue
            with lock:
                if reply.status == 200:
                    acknowledged.append((case_id, text))
                elif reply.status not in (409, 503):
                    bad.append(f"{reply.status} {reply.body}")

    threads = [threading.Thread(target=write, args=(i,), daemon=True) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    killed = 0
    for _ in range(KILLS):
        time.sleep(PAUSE)
        victims = workers_of(process.process.pid)
        if victims:
            os.kill(random.choice(victims), signal.SIGKILL)
            killed += 1
    time.sleep(PAUSE)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    assert killed == KILLS
    assert not bad, bad[:3]
    assert acknowledged, "the load went through between the kills"
    process.wait_until_healthy()  # the master replaced the killed workers
    listed = {row["id"]: row["version"] for row in server.send("GET", "/api/v1/cases?per_page=200").body["items"]}
    for case_id in cases:
        history = server.history(case_id)
        notes = [entry["data"]["text"] for entry in history if entry["type"] == "NoteAdded"]
        assert len(notes) == len(set(notes)), "no step stored twice"
        assert {text for c, text in acknowledged if c == case_id} <= set(notes), "every acknowledged step is there"
        # The case list and the events agree: the row is at the case's last event.
        assert listed[case_id] == len(history) == server.send("GET", f"/api/v1/cases/{case_id}").body["version"]
    verified = subprocess.run([str(BREACHTRAIL), "verify"], env=environment, capture_output=True, text=True,
                              timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
