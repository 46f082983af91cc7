"""Writers racing on one case over HTTP, against the real server with several gunicorn workers.

With the same ``If-Match``, exactly one step is taken and every other writer is told 412;
without one, every step answered 200 is in the trail exactly once, and a step that kept
losing races is answered 409 and left no trace. The requests leave their threads at the
same instant (a barrier) and are served by several worker processes at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.config import generate_master_key
from tests.e2e.http import NEW_CASE, PROBLEM_JSON
from tests.e2e.server import BREACHTRAIL, running_server

WORKERS = 3  # processes: more than two, on a two-core machine, still meet in the database
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    etag: str | None
    body: Any


def send(base_url: str, method: str, path: str, token: str, body: Any = None,
         headers: dict[str, str] | None = None) -> Reply:
    """One HTTP request with a bearer token; the reply, error statuses included."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method, headers={
        "Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if data else {}),
        **(headers or {}),
    })
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return Reply(response.status, response.headers.get_content_type(), response.headers.get("ETag"),
                         json.loads(response.read()))
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, error.headers.get_content_type(), error.headers.get("ETag"),
                         json.loads(error.read() or b"null"))


def race(count: int, attempt: Callable[[int], Reply]) -> list[Reply]:
    """``attempt(i)`` for i in 0..count-1, on as many threads released at one instant; the replies by i."""
    barrier = threading.Barrier(count, timeout=REQUEST_TIMEOUT)
    replies: list[Reply | BaseException | None] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            replies[i] = attempt(i)
        except BaseException as error:  # reported below, with the others
            replies[i] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * REQUEST_TIMEOUT)
    failures = [reply for reply in replies if not isinstance(reply, Reply)]
    assert not failures, failures
    return [reply for reply in replies if isinstance(reply, Reply)]


def add_user_with_the_cli(environment: dict[str, str], user_id: str, *options: str) -> str:
    """``breachtrail users add``: the token it prints alone on its last line."""
    result = subprocess.run(
        [str(BREACHTRAIL), "users", "add", user_id, *options],
        env=environment, check=True, capture_output=True, text=True, timeout=60,
    )
    return result.stdout.strip().splitlines()[-1]


@dataclass(frozen=True)
class Server:
    url: str
    token: str  # HR's

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        return send(self.url, method, path, self.token, body, headers)

    def new_case(self) -> str:
        reply = self.send("POST", "/api/v1/cases", NEW_CASE)
        assert reply.status == 201 and reply.etag == '"1"', reply
        return str(reply.body["id"])

    def history(self, case_id: str) -> list[dict[str, Any]]:
        reply = self.send("GET", f"/api/v1/cases/{case_id}/history")
        assert reply.status == 200, reply
        return list(reply.body)


@pytest.fixture
def server(database_url: str) -> Iterator[Server]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("BREACHTRAIL_") or key == "BREACHTRAIL_KEY_DIR"}
    environment.update(BREACHTRAIL_DATABASE_URL=database_url, BREACHTRAIL_MASTER_KEY=generate_master_key())
    token = add_user_with_the_cli(environment, "hanne.hr", "--role", "hr")
    server_environment = {key: value for key, value in environment.items() if key.startswith("BREACHTRAIL_")}
    with running_server(database_url, server_environment, workers=WORKERS) as url:
        yield Server(url, token)


def statuses_of(replies: list[Reply]) -> Counter[int]:
    return Counter(reply.status for reply in replies)


def _note_texts(history: list[dict[str, Any]]) -> list[str]:
    return [entry["data"]["text"] for entry in history if entry["type"] == "NoteAdded"]


def test_of_twelve_steps_sent_with_the_same_if_match_exactly_one_is_taken(server: Server) -> None:
    case_id = server.new_case()

    replies = race(12, lambda i: server.send(
        "POST", f"/api/v1/cases/{case_id}/notes", {"text": f"note {i}"}, headers={"If-Match": '"1"'}))

    assert statuses_of(replies) == {200: 1, 412: 11}, [(reply.status, reply.body) for reply in replies]
    [winner] = [i for i, reply in enumerate(replies) if reply.status == 200]
    assert replies[winner].etag == '"2"' and replies[winner].body["version"] == 2
    assert [note["text"] for note in replies[winner].body["notes"]] == [f"note {winner}"]
    for reply in replies:
        if reply.status == 412:
            assert reply.content_type == PROBLEM_JSON
            assert reply.body["status"] == 412 and reply.body["current_version"] == 2, reply.body
    history = server.history(case_id)
    assert [entry["version"] for entry in history] == [1, 2]
    assert _note_texts(history) == [f"note {winner}"]


def test_of_twenty_steps_sent_without_if_match_every_one_answered_200_is_stored_once(server: Server) -> None:
    case_id = server.new_case()

    replies = race(20, lambda i: server.send("POST", f"/api/v1/cases/{case_id}/notes", {"text": f"note {i}"}))

    accepted = {f"note {i}" for i, reply in enumerate(replies) if reply.status == 200}
    refused = {f"note {i}" for i, reply in enumerate(replies) if reply.status != 200}
    for reply in replies:
        if reply.status != 200:  # a writer that lost every retry: a documented conflict, not a failure
            assert reply.status == 409 and reply.content_type == PROBLEM_JSON, reply
            assert reply.body["type"] == "urn:breachtrail:problem:concurrent-modification", reply.body
    history = server.history(case_id)
    texts = _note_texts(history)
    assert sorted(texts) == sorted(accepted), (statuses_of(replies), texts)  # none lost, none twice
    assert not refused & set(texts)
    assert [entry["version"] for entry in history] == list(range(1, len(history) + 1))
    assert len(history) == 1 + len(accepted)
    assert accepted, statuses_of(replies)  # at least the first writer always gets through
    # Each 200 answered the case as its own step left it.
    for i, reply in enumerate(replies):
        if reply.status == 200:
            version = reply.body["version"]
            assert reply.etag == f'"{version}"'
            assert history[version - 1]["data"]["text"] == f"note {i}"
    final = server.send("GET", f"/api/v1/cases/{case_id}")
    assert final.body["version"] == len(history) and final.etag == f'"{len(history)}"'

