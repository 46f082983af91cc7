"""The database goes away or turns read-only under load: 503 problems while it lasts, never a 500,
recovery without a restart, and nothing acknowledged lost (PostgreSQL: real connections to kill)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from uuid import UUID

import pytest
from flask import Flask

from adapters.composition import close_case_service
from adapters.config import Settings
from adapters.http import create_app
from adapters.http.context import CASE_SERVICE, USER_STORE
from service.cases import CaseService
from tests.e2e.http import NEW_CASE, PROBLEM_JSON, Api, register_callers
from tests.faults import scratch_database, set_read_only, tagged, terminate
from tests.scenarios import HR

pytestmark = pytest.mark.postgres_only

WRITERS = 4
LOAD_SECONDS = 2.5
KILLS = 4


@pytest.fixture
def tagged_app(database_url: str) -> Iterator[tuple[Flask, str]]:
    url, name = tagged(database_url)
    app = create_app({"SETTINGS": Settings(database_url=url)})
    yield app, name
    close_case_service(app.extensions[CASE_SERVICE])


def stored_case_ids(service: CaseService) -> set[str]:
    return {str(n.originator_id) for n in service.recorder.select_notifications(start=1, limit=1_000_000)}


def test_connections_killed_mid_write_load_give_503s_then_recover_losing_nothing_acknowledged(
        tagged_app: tuple[Flask, str]) -> None:
    app, name = tagged_app
    headers = register_callers(app.extensions[USER_STORE])
    acknowledged: list[str] = []
    statuses: Counter[int] = Counter()
    bad: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write() -> None:
        client = app.test_client()
        while not stop.is_set():
            response = client.post("/api/v1/cases", json=NEW_CASE, headers=headers["manager"])
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 201:
                    acknowledged.append(response.get_json()["id"])
                elif response.status_code != 503 or response.mimetype != PROBLEM_JSON:
                    bad.append(f"{response.status_code} {response.get_data(as_text=True)[:300]}")

    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    killed = 0
    for _ in range(KILLS):
        time.sleep(LOAD_SECONDS / KILLS)
        killed += terminate(name)
    stop.set()
    for writer in writers:
        writer.join(timeout=30)

    assert not bad, bad[:3]
    assert killed >= KILLS, "the load held connections to kill"
    assert statuses[201] > 0
    # Recovered by itself: the next requests succeed without a restart.
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    after = client.post("/api/v1/cases", json=NEW_CASE, headers=headers["manager"])
    assert after.status_code == 201
    acknowledged.append(after.get_json()["id"])
    service: CaseService = app.extensions[CASE_SERVICE]
    stored = stored_case_ids(service)
    assert set(acknowledged) <= stored, "an acknowledged case was lost"
    # Never half-stored: every stored case is in the case list, and the trail's chain holds.
    listed = {case.id for case in service.list_cases(HR, per_page=200).items}
    assert service.list_cases(HR).total == len(stored)
    assert listed <= stored
    assert service.verify_integrity().ok


def test_a_read_only_database_refuses_writes_with_503_while_reads_go_on(backend: str) -> None:
    with scratch_database() as (url, database):
        app = create_app({"SETTINGS": Settings(database_url=url)})
        try:
            api = Api(app.test_client(), register_callers(app.extensions[USER_STORE]))
            created = api.post("/api/v1/cases", NEW_CASE, caller="manager")
            assert created.status_code == 201
            case_id = created.get_json()["id"]
            service: CaseService = app.extensions[CASE_SERVICE]
            before = service.recorder.max_notification_id()

            set_read_only(database, True)
            refused = api.post("/api/v1/cases", NEW_CASE, caller="manager")
            step = api.post(f"/api/v1/cases/{case_id}/notes", {"text": "A note that cannot be stored."},
                            caller="manager")
            listing = api.get("/api/v1/cases", caller="manager")
            rules = api.get("/api/v1/policy/rules", caller="manager")
            statistics = api.get("/api/v1/statistics", caller="rep")
            health = api.get("/healthz", caller="anonymous")

            # The case list carries names, and a read of personal data that cannot be written to the
            # access log is not answered: it is refused like a write, never served unlogged.
            for response in (refused, step, listing):
                assert response.status_code == 503, response.get_data(as_text=True)
                assert response.mimetype == PROBLEM_JSON
                body = response.get_json()
                assert body["type"] == "urn:breachtrail:problem:database-unavailable"
                assert "read-only" in body["detail"]
                assert response.headers["Retry-After"]
            assert rules.status_code == 200
            assert statistics.status_code == 200
            assert health.status_code == 200

            set_read_only(database, False)
            assert service.recorder.max_notification_id() == before
            assert api.post("/api/v1/cases", NEW_CASE, caller="manager").status_code == 201
            assert UUID(case_id) and service.list_cases(HR).total == 2
        finally:
            close_case_service(app.extensions[CASE_SERVICE])
