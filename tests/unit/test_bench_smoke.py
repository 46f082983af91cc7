"""The benchmark's own parts work on trivial data (no timings are asserted: benchmarks are not tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import LoadSpec, run_load
from bench.report import rows_for, table


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


def test_loads_go_to_the_loopback_interface_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LoadSpec.from_json({"host": "192.0.2.1", "port": 80, "requests": [{"method": "GET", "path": "/"}]})


def _load(median: float) -> dict[str, object]:
    return {"latency_ms": {"median": median}}


def test_the_table_sets_each_figure_against_its_baseline() -> None:
    scale = {name: _load(2.0) for name in ("bare_get", "case_1_event", "case_1000_notes", "case_1000_assessments",
                                           "statistics", "list_by_status")}
    writes = {"post_cases_ok_per_second": 70.0, "baseline_ok_per_second": 100.0,
              "acknowledged_check": {"lost": 0, "cases": 5, "notes": 3, "chain_ok": True}}
    scaling = {"scales": {"1000": {**scale, "worker_peak_rss_kib": [1000]},
                          "10000": {**scale, "worker_peak_rss_kib": [1200]}},
               "rebuild": {"events": 10, "rebuild_events_per_second": 40.0, "read_events_per_second": 100.0}}
    rows = rows_for("sqlite", writes, scaling)
    met = {row.measure.split(" (")[0].split(" at ")[0]: row.met for row in rows}
    assert met["POST /cases requests/s"] is True
    assert met["projection rebuild events/s"] is False
    assert met["acknowledged writes lost"] is True
    assert "| sqlite | POST /cases requests/s |" in table(rows)
