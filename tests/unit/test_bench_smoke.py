"""The benchmark's own parts work on trivial data (no timings are asserted: benchmarks are not tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from bench.load import LoadSpec, run_load
from bench.report import rows_for, table
from bench.workday import run_day


class _Created(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(201)
        self.send_header("Location", "/things/1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Created)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_load_generator_sends_a_bounded_load_and_keeps_what_was_acknowledged(port: int) -> None:
    spec = LoadSpec.from_json({
        "host": "127.0.0.1", "port": port, "threads": 2, "duration": 30, "max_requests": 12,
        "record_acknowledged": True, "requests": [{"method": "POST", "path": "/things", "body": {"a": 1}}],
    })
    result = run_load(spec)
    assert result["requests"] == 12
    assert result["statuses"] == {"201": 12}
    assert {a["location"] for a in result["acknowledged"]} == {"/things/1"}


def test_a_series_of_loads_runs_in_one_process_each_measured_alone(port: int) -> None:
    from bench.client import load_each, request

    found = load_each(port, {"first": request("POST", "/things", body={"a": 1}),
                             "second": request("POST", "/other", body={"b": 2})}, duration=0.2, warmup=2)
    assert list(found) == ["first", "second"]
    assert all(result["statuses"] == {"201": result["requests"]} and result["requests"] > 0
               for result in found.values())


def test_loads_go_to_the_loopback_interface_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LoadSpec.from_json({"host": "192.0.2.1", "port": 80, "requests": [{"method": "GET", "path": "/"}]})


def _load(median: float) -> dict[str, object]:
    return {"latency_ms": {"median": median}}


def test_the_table_sets_each_figure_against_its_baseline() -> None:
    scale = {name: _load(2.0) for name in ("bare_get", "case_1_event", "case_1000_notes", "case_1000_assessments",
                                           "statistics", "list_by_status", "page_case_list", "page_case_1_event")}
    scale["page_case_1000_notes"] = _load(7.0)
    writes = {"post_cases_ok_per_second": 70.0, "baseline_ok_per_second": 100.0,
              "eventsourcing_ok_per_second": 100.0,
              "acknowledged_check": {"lost": 0, "cases": 5, "steps": 3, "chain_ok": True}}
    scaling = {"scales": {"1000": {**scale, "worker_peak_rss_kib": [1000]},
                          "10000": {**scale, "worker_peak_rss_kib": [1200]}},
               "rebuild": {"events": 10, "rebuild_events_per_second": 40.0, "read_events_per_second": 100.0}}
    workday = {"people": 3, "cases": 300, "requests": 40, "failed": 1, "still_running": 0,
               "acknowledged_check": {"lost": 0, "cases": 2, "steps": 4, "chain_ok": True}}
    rows = rows_for("sqlite", writes, scaling, workday=workday)
    met = {(row.measure.split(" (")[0].split(" at ")[0], row.baseline_name): row.met for row in rows}
    assert met["POST /cases requests/s", "bare Flask INSERT endpoint"] is True  # 70 % against ≥ 50 %
    assert met["POST /cases requests/s", "bare eventsourcing Application"] is False  # 70 % against ≥ 80 %
    assert met["projection rebuild events/s", "reading the notification log alone"] is False
    assert met["acknowledged writes lost", "acknowledged writes"] is True
    assert met["web page: case list /sager", "bare authenticated GET"] is True
    assert met["web page: case with 1,000 notes", "bare authenticated GET"] is False  # 3.5× against ≤ 3×
    assert met["working day: failed requests", "requests"] is False
    assert met["working day: acknowledged writes lost", "acknowledged writes"] is True
    assert "| sqlite | POST /cases requests/s |" in table(rows)


class _Breachtrail(BaseHTTPRequestHandler):
    """Answers as breachtrail would, just enough for people to go through their day; /opgaver fails."""

    def _answer(self, status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(raw)),
                            **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        if self.path == "/opgaver":
            self._answer(500, {"title": "Internal Server Error"})
        else:
            self._answer(200, {"items": [{"id": str(uuid4())}]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/api/v1/cases":
            case_id = str(uuid4())
            self._answer(201, {"id": case_id, "status": "reported"},
                         {"Location": f"/api/v1/cases/{case_id}", "ETag": '"1"'})
        else:
            step = self.path.rsplit("/", 1)[1]
            after = {"assessment": "assessed", "talks": "talk_held", "statements": "talk_held"}.get(step, "closed")
            self._answer(200, {"status": after}, {"ETag": '"2"'})

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_working_day_times_each_route_and_lists_what_failed() -> None:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Breachtrail) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        roles = ["manager"] * 4 + ["hr", "rep"]
        people = [{"name": f"p{n}", "role": role, "unit": "tandplejen" if role == "manager" else None,
                   "token": "t", "cookie": "breachtrail_session=x"} for n, role in enumerate(roles)]
        day = run_day({"host": "127.0.0.1", "ports": [s.server_address[1] for s in servers], "seconds": 1.5,
                       "think": [0.0, 0.02], "today": "2026-12-01", "people": people})
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert day["requests"] > 20 and day["still_running"] == 0
    assert "POST /cases" in day["routes"] and "p99_ms" in day["routes"]["POST /cases"]
    failed_routes = {failure["route"] for failure in day["failures"]}
    assert failed_routes == {"page GET /opgaver"}
    assert day["failed"] == day["routes"]["page GET /opgaver"]["count"] > 0
    assert all(a["location"] or a["path"].count("/") == 5 for a in day["acknowledged"])


def test_the_bare_eventsourcing_baseline_stores_one_event_per_request(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.baseline_eventsourcing import BareReports, create_app, create_table

    url = f"sqlite:///{tmp_path / 'baseline.sqlite3'}"
    create_table(url)
    monkeypatch.setenv("BREACHTRAIL_DATABASE_URL", url)
    body = {"unit": "tandplejen", "employee": {"ref": "E-1"}, "occurred_on": "2026-11-01", "rules": ["4.1"],
            "channel": "sms", "description": "A post."}
    answer = create_app().test_client().post("/reports", json=body)
    assert answer.status_code == 201
    reports = BareReports(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": url})
    stored = reports.repository.get(UUID(answer.get_json()["id"]))
    assert (stored.unit, stored.rules, stored.version) == ("tandplejen", ["4.1"], 1)
