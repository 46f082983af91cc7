"""Worker mode: two app servers write events only, one ``breachtrail projections run`` builds the read side.

As the README describes it for several app servers: each server runs with
``BREACHTRAIL_INLINE_PROJECTIONS=no`` and a single follower process keeps the case list up to
date. Cases are reported and taken through their steps through both servers, from several
threads at once, while the follower runs; once ``projections status`` shows no lag, the case
list through either server is exactly what was written, checked case by case.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from typing import IO, Any

import pytest

from adapters.config import generate_master_key
from domain.values import Status
from tests.e2e.http import NEW_CASE, day
from tests.e2e.server import BREACHTRAIL, ServerProcess

REQUEST_TIMEOUT = 30.0
CATCH_UP_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0

# Each plan takes a new case through these steps; it ends in the status the steps lead to.
STEPS: dict[str, dict[str, Any]] = {
    "assessment": {"work_environment_issue": True, "severity": "medium", "notes": "Colleagues felt exposed."},
    "talks": {"held_on": day(10), "participants": ["Mette Manager", "Jane Doe"], "union_rep_present": True,
              "summary": "Went through the policy."},
    "statements": {"received_on": day(12), "summary": "I did not think it would upset anyone."},
    "warnings": {"issued_on": day(20), "text": "Written warning under section 7.", "valid_until": None},
    "escalation": {"reason": "Repeated after the warning."},
    "notes": {"text": "Spoke to the team."},
    "closure": {"outcome": "resolved", "reason": "Behaviour changed."},
    "reopening": {"reason": "It happened again."},
    "erasure": {"reason": "Retention period over."},
}
HR_ONLY = {"escalation", "reopening", "erasure"}
PLANS: list[tuple[str, list[str]]] = [  # (unit, steps)
    ("tandplejen", []),
    ("tandplejen", ["assessment"]),
    ("tandplejen", ["assessment", "talks"]),
    ("tandplejen", ["assessment", "talks", "statements", "warnings"]),
    ("tandplejen", ["assessment", "talks", "statements", "warnings", "escalation"]),
    ("tandplejen", ["notes", "notes", "notes"]),
    ("tandplejen", ["closure"]),
    ("tandplejen", ["assessment", "closure", "reopening"]),
    ("tandplejen", ["closure", "erasure"]),
    ("skoler", ["assessment", "notes"]),
]


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


def send(base_url: str, method: str, path: str, token: str, body: Any = None) -> Reply:
    """One HTTP request with a bearer token; the reply, error statuses included."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if data else {})}
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return Reply(response.status, json.loads(response.read()))
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, json.loads(error.read() or b"null"))


class Deployment:
    """The processes of worker mode on one database, and the CLI pointed at it."""

    def __init__(self, database_url: str, stack: ExitStack):
        self.environment = {key: value for key, value in os.environ.items()
                            if not key.startswith("BREACHTRAIL_") or key == "BREACHTRAIL_KEY_DIR"}
        self.environment.update(
            BREACHTRAIL_DATABASE_URL=database_url,
            BREACHTRAIL_MASTER_KEY=generate_master_key(),  # every process must read the same personal data
            BREACHTRAIL_INLINE_PROJECTIONS="no",
        )
        self.stack = stack
        self.servers: list[ServerProcess] = []
        self.follower: subprocess.Popen[bytes] | None = None
        self._follower_log: IO[bytes] | None = None

    def cli(self, *arguments: str) -> str:
        result = subprocess.run([str(BREACHTRAIL), *arguments], env=self.environment, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def token(self, user_id: str, *options: str) -> str:
        """``users add``: the token is alone on the last line."""
        return self.cli("users", "add", user_id, *options).strip().splitlines()[-1]

    def lag(self) -> tuple[int, int, int]:
        """``projections status``: (position, head, lag) of the case list."""
        name, position, head, lag = self.cli("projections", "status").strip().splitlines()[-1].split()
        assert name == "case_list"
        return int(position), int(head), int(lag)

    def start_servers(self, count: int) -> list[str]:
        settings = {key: value for key, value in self.environment.items() if key.startswith("BREACHTRAIL_")}
        servers = [ServerProcess(settings["BREACHTRAIL_DATABASE_URL"], settings, workers=2) for _ in range(count)]
        for server in servers:
            self.stack.callback(server.close)
        for server in servers:
            server.wait_until_healthy()
        self.servers = servers
        return [server.url for server in servers]

    def start_follower(self) -> None:
        self._follower_log = self.stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by the stack
        self.follower = subprocess.Popen(
            [str(BREACHTRAIL), "projections", "run", "--interval", "0.2"],
            env=self.environment, stdin=subprocess.DEVNULL, stdout=self._follower_log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.stack.callback(self._kill_follower)

    def follower_output(self) -> str:
        assert self._follower_log is not None
        self._follower_log.flush()
        self._follower_log.seek(0)
        return self._follower_log.read().decode("utf-8", errors="replace")

    def stop_follower(self) -> int:
        assert self.follower is not None
        self.follower.send_signal(signal.SIGTERM)
        try:
            return self.follower.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"projections run ignored SIGTERM:\n{self.follower_output()}") from None

    def _kill_follower(self) -> None:
        if self.follower is not None and self.follower.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.follower.pid, signal.SIGKILL)
            self.follower.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def deployment(database_url: str) -> Iterator[Deployment]:
    with ExitStack() as stack:
        yield Deployment(database_url, stack)


def run_plan(urls: list[str], token: str, index: int, unit: str, steps: list[str]) -> dict[str, Any]:
    """Report a case and take its steps, each request through the next server; the case as it ends."""
    reply = send(urls[index % len(urls)], "POST", "/api/v1/cases", token, {**NEW_CASE, "unit": unit})
    assert reply.status == 201, reply
    case = reply.body
    for number, step in enumerate(steps, start=index + 1):
        reply = send(urls[number % len(urls)], "POST", f"/api/v1/cases/{case['id']}/{step}", token, STEPS[step])
        assert reply.status == 200, (step, reply)
        case = reply.body
    return dict(case)


def caller(index: int, unit: str, steps: list[str], *, hr: str, manager: str) -> str:
    """The manager of tandplejen for every other plan it may carry out alone; HR for the rest."""
    if unit == "tandplejen" and not HR_ONLY & set(steps) and index % 2 == 0:
        return manager
    return hr


def summary(case: dict[str, Any]) -> tuple[Any, ...]:
    """What the case list and a case agree on."""
    return (case["id"], case["unit"], case["status"], case["version"], case["personal_data_erased"],
            case["employee"])


def listed(url: str, token: str, query: str = "") -> list[tuple[Any, ...]]:
    reply = send(url, "GET", f"/api/v1/cases?per_page=200{query}", token)
    assert reply.status == 200, reply
    assert reply.body["total"] == len(reply.body["items"])
    return sorted(summary(item) for item in reply.body["items"])


def test_two_app_servers_and_one_follower_list_exactly_the_cases_written(deployment: Deployment) -> None:
    deployment.cli("init-db")
    hr = deployment.token("hanne.hr", "--role", "hr")
    manager = deployment.token("mette.manager", "--role", "manager", "--unit", "tandplejen")
    urls = deployment.start_servers(2)

    # Without the follower, the servers store events and nothing else: the list stays empty.
    first = [run_plan(urls, hr, index, "tandplejen", []) for index in range(2)]
    assert deployment.lag() == (0, 4, 4)  # the two users' grants and the two reports
    assert all(listed(url, hr) == [] for url in urls)

    deployment.start_follower()
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(run_plan, urls, caller(index, unit, steps, hr=hr, manager=manager), index, unit, steps)
                   for index, (unit, steps) in enumerate(PLANS * 2)]
        cases = first + [future.result(timeout=2 * CATCH_UP_TIMEOUT) for future in futures]

    deadline = time.monotonic() + CATCH_UP_TIMEOUT
    while (progress := deployment.lag())[2] != 0:
        assert time.monotonic() < deadline, f"{progress} after {CATCH_UP_TIMEOUT} s:\n{deployment.follower_output()}"
        time.sleep(0.2)
    position, head, _ = progress
    assert position == head == 2 + sum(case["version"] for case in cases)  # 2: the users' grants

    everything = sorted(summary(case) for case in cases)
    assert {case[2] for case in everything} == {status.value for status in Status}  # every status is listed
    in_tandplejen = [case for case in everything if case[1] == "tandplejen"]
    for url in urls:
        assert listed(url, hr) == everything
        assert listed(url, manager) == in_tandplejen
        for status in Status:
            assert listed(url, hr, f"&status={status.value}") == [c for c in everything if c[2] == status.value]
        # Statistics count released months only; this month is still open, so nothing shows yet.
        statistics = send(url, "GET", "/api/v1/statistics", hr)
        assert statistics.status == 200, statistics
        assert statistics.body["total"] == 0 and statistics.body["releases"] == [], statistics.body

    assert deployment.stop_follower() == 0
    assert deployment.follower_output().rstrip().endswith("stopped")
    assert "Traceback" not in deployment.follower_output()
    for server in deployment.servers:
        assert server.stop() == 0
        assert "Traceback" not in server.output()
    assert deployment.lag()[2] == 0
