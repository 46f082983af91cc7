"""The measurements of one run on one database backend, each beside its baseline.

``measure_writes`` compares ``POST /cases`` with a bare INSERT endpoint and with a bare
``eventsourcing`` Application, then saturates the server, checking that every acknowledged
write is stored. ``measure_scaling`` seeds
1k, 10k and 100k cases (or a quick run's smaller counts) and, at each, times reads against
a bare authenticated GET and reads the workers' peak RSS; at the largest it times a
projection rebuild against reading the notification log alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from statistics import median
from typing import Any
from uuid import UUID

import click
import sqlalchemy as sa

from adapters.composition import build_case_service, close_case_service, create_schema
from adapters.config import Settings, generate_master_key, parse_master_key
from adapters.sql.users import UserStore
from bench.client import case_body, load, load_each, request, send
from bench.pages import page, sign_in
from bench.seed import seed_cases, seed_long_case, seed_short_case
from bench.servers import Server, baseline_server, breachtrail_server, eventsourcing_baseline_server
from domain.values import Role
from service.cases import CaseService
from service.statistics import StatisticsRequest

Say = Callable[[str], None]
API = "/api/v1"
STATISTICS_QUERY = f"{API}/statistics?group_by=unit&group_by=rule"
LIST_QUERY = f"{API}/cases?status=assessed&per_page=50"
LONG_CASE_EVENTS = 1000


@dataclass(frozen=True)
class Plan:
    """How big and how long: the full run, or the quick one."""

    scales: tuple[int, ...] = (1_000, 10_000, 100_000)
    write_seconds: float = 5.0
    write_rounds: int = 2
    write_threads: int = 8
    write_warmup: int = 50
    saturation_seconds: float = 8.0
    saturation_threads: int = 32
    read_seconds: float = 3.0
    read_warmup: int = 30
    # The working day (bench/day.py): people, their units, how long, the pause between two requests.
    day_cases: int = 100_000
    day_seconds: float = 300.0
    day_think: tuple[float, float] = (3.0, 15.0)
    day_units: int = 7
    day_managers: int = 35
    day_hr: int = 5
    day_reps: int = 10


QUICK = Plan(scales=(300, 3_000), write_seconds=1.0, write_rounds=1, write_warmup=20, saturation_seconds=1.5,
             read_seconds=0.4, read_warmup=4, day_cases=300, day_seconds=15.0, day_think=(0.5, 2.0), day_units=3,
             day_managers=6, day_hr=2, day_reps=2)


_MASTER_KEYS: dict[str, bytes] = {}


def _master_key(url: str) -> bytes:
    """One master key per database in a run: a later measure on the same data can read what an earlier stored."""
    return _MASTER_KEYS.setdefault(url, parse_master_key(generate_master_key()))


class Database:
    """Settings, users and tokens of one benchmark database."""

    def __init__(self, url: str, *, staff: bool = True):
        self.settings = Settings(database_url=url, master_key=_master_key(url), create_tables=False)
        create_schema(self.settings)
        if not staff:
            return
        engine = sa.create_engine(url)
        try:
            users = UserStore(engine)
            self.manager = users.add("bench-manager", Role.MANAGER, ["tandplejen"])
            self.hr = users.add("bench-hr", Role.HR, [])
            self.rep = users.add("bench-rep", Role.REP, [])
        finally:
            engine.dispose()

    @property
    def server_env(self) -> dict[str, str]:
        import base64

        assert self.settings.master_key is not None
        return {"BREACHTRAIL_DATABASE_URL": self.settings.database_url,
                "BREACHTRAIL_MASTER_KEY": base64.urlsafe_b64encode(self.settings.master_key).decode()}

    @contextmanager
    def service(self) -> Iterator[CaseService]:
        service = build_case_service(self.settings)
        try:
            yield service
        finally:
            close_case_service(service)


# --- writes ---------------------------------------------------------------------------------


def measure_writes(url: str, plan: Plan, say: Say) -> dict[str, Any]:
    """POST /cases against both baselines, alternating, then saturation and the lost-write check."""
    db = Database(url)
    baseline_runs, library_runs, service_runs = [], [], []
    timed = partial(load, threads=plan.write_threads, duration=plan.write_seconds, warmup=plan.write_warmup)
    for round_number in range(1, plan.write_rounds + 1):
        step = f"writes, round {round_number}/{plan.write_rounds}"
        say(f"{step}: bare INSERT endpoint, {plan.write_seconds:g} s")
        with baseline_server(url) as server:
            baseline_runs.append(timed(server.port, [request("POST", "/insert", body=case_body())]))
        say(f"{step}: bare eventsourcing Application, {plan.write_seconds:g} s")
        with eventsourcing_baseline_server(url) as server:
            library_runs.append(timed(server.port, [request("POST", "/reports", body=case_body())]))
        say(f"{step}: POST /cases, {plan.write_seconds:g} s")
        with breachtrail_server(db.server_env) as server:
            service_runs.append(timed(server.port, [request("POST", f"{API}/cases", body=case_body(),
                                                            token=db.manager)]))
            if round_number == plan.write_rounds:
                say(f"saturation: {plan.saturation_threads} clients for {plan.saturation_seconds:g} s, "
                    "new cases and notes")
                saturation = _saturate(server, db, plan)
    say(f"checking {len(saturation['acknowledged'])} acknowledged writes against the store")
    with db.service() as service:
        check = check_acknowledged(service, saturation.pop("acknowledged"))
    return {
        "baseline_insert": baseline_runs,
        "baseline_eventsourcing": library_runs,
        "post_cases": service_runs,
        "baseline_ok_per_second": median(r["ok_per_second"] for r in baseline_runs),
        "eventsourcing_ok_per_second": median(r["ok_per_second"] for r in library_runs),
        "post_cases_ok_per_second": median(r["ok_per_second"] for r in service_runs),
        "saturation": saturation,
        "acknowledged_check": check,
    }


#: The event each acknowledged step must have stored, by the last part of its path.
STEP_EVENTS = {"notes": "NoteAdded", "assessment": "Assessed", "talks": "TalkHeld", "statements": "StatementRecorded",
               "closure": "Closed", "hearing": "HearingOpened", "warnings": "WarningIssued"}


def _saturate(server: Server, db: Database, plan: Plan) -> dict[str, Any]:
    """Many clients at once: new cases, and notes racing on 4 shared cases; every 2xx answer kept."""
    hot = [send(server.port, "POST", f"{API}/cases", body=case_body(), token=db.hr)[1]["id"] for _ in range(4)]
    mix = [request("POST", f"{API}/cases", body=case_body(), token=db.manager)]
    mix += [request("POST", f"{API}/cases/{case_id}/notes", body={"text": "Opfølgning."}, token=db.hr)
            for case_id in hot]
    return load(server.port, mix, threads=plan.saturation_threads, duration=plan.saturation_seconds,
                record_acknowledged=True)


def check_acknowledged(service: CaseService, acknowledged: list[dict[str, Any]]) -> dict[str, Any]:
    """Every 2xx'd POST must be stored: new cases with their events and list rows, steps at their version."""
    new_cases = [a["location"].rsplit("/", 1)[1] for a in acknowledged if a["path"].endswith("/cases")]
    steps: dict[str, list[tuple[int, str]]] = {}
    for answer in acknowledged:
        *_, case_id, step = answer["path"].split("/")
        if step in STEP_EVENTS:
            steps.setdefault(case_id, []).append((int(answer["etag"].strip('"')), STEP_EVENTS[step]))
    lost: list[str] = []
    for case_id in new_cases:
        if not service.recorder.select_events(UUID(case_id), limit=1):
            lost.append(f"case {case_id}: no events")
    assert service.case_list is not None
    listed: set[str] = set()
    for start in range(0, len(new_cases), 500):
        listed.update(service.case_list.rows(new_cases[start:start + 500]))
    lost += [f"case {case_id}: not in the case list" for case_id in new_cases if case_id not in listed]
    for case_id, stored_at in steps.items():
        stored = {e.originator_version: e.topic for e in service.recorder.select_events(UUID(case_id))}
        versions = [version for version, _ in stored_at]
        if len(set(versions)) != len(versions):
            lost.append(f"case {case_id}: two steps acknowledged at one version")
        lost += [f"case {case_id}: {event} at version {version} missing" for version, event in stored_at
                 if not stored.get(version, "").endswith(event)]
    started = time.perf_counter()
    chain = service.verify_integrity()
    return {"cases": len(new_cases), "steps": sum(len(v) for v in steps.values()), "lost": len(lost),
            "examples": lost[:10], "chain_ok": chain.ok, "chain_checked": chain.checked,
            "chain_seconds": time.perf_counter() - started}


# --- reads as the data grows ------------------------------------------------------------------


def measure_scaling(url: str, plan: Plan, say: Say) -> dict[str, Any]:
    db = Database(url)
    results: dict[str, Any] = {"scales": {}}
    with db.service() as service:
        short = seed_short_case(service)
        with click.progressbar(length=2 * LONG_CASE_EVENTS, label="  long cases (2 x 1,000 events)") as bar:
            long_notes = seed_long_case(service, LONG_CASE_EVENTS, kind="notes", progress=bar.update)
            long_assessed = seed_long_case(service, LONG_CASE_EVENTS, kind="assessments", progress=bar.update)
        seeded = 3
        for scale in plan.scales:
            started = time.monotonic()
            with click.progressbar(length=scale - seeded, label=f"  seeding to {scale:,} cases") as bar:
                seed_cases(service, scale - seeded, seed=scale, progress=bar.update)
            settle(url)
            say(f"seeded {scale - seeded:,} cases in {time.monotonic() - started:.0f} s")
            seeded = scale
            say(f"{scale:,} cases: reads over HTTP, {plan.read_seconds:g} s each")
            released = _release_statistics(service)
            results["scales"][str(scale)] = _reads(db, plan, short, long_notes, long_assessed)
            results["scales"][str(scale)]["statistics_in_process"] = {**released, **_statistics_cost(service)}
    largest = plan.scales[-1]
    say(f"{largest:,} cases: projection rebuild against reading the notification log")
    with db.service() as service:
        results["rebuild"] = measure_rebuild(service)
    results["rebuild"]["cases"] = largest
    return results


def settle(url: str) -> None:
    """After a bulk load, what autovacuum would soon do: planner statistics, and PostgreSQL's visibility map
    (without which counting a status's rows reads the table instead of the index)."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE")
    finally:
        engine.dispose()


def _reads(db: Database, plan: Plan, short: UUID, long_notes: UUID, long_assessed: UUID) -> dict[str, Any]:
    reads = {
        "bare_get": request("GET", f"{API}/policy/rules", token=db.hr),
        "case_1_event": request("GET", f"{API}/cases/{short}", token=db.hr),
        "case_1000_notes": request("GET", f"{API}/cases/{long_notes}", token=db.hr),
        "case_1000_assessments": request("GET", f"{API}/cases/{long_assessed}", token=db.hr),
        "statistics": request("GET", STATISTICS_QUERY, token=db.rep),
        "list_by_status": request("GET", LIST_QUERY, token=db.hr),
    }
    found: dict[str, Any] = {}
    with breachtrail_server(db.server_env) as server:
        # The browser's pages, signed in as HR (who sees every unit's cases) with a session cookie.
        cookie = sign_in(server.port, db.settings.database_url, "bench-hr")
        reads["page_case_list"] = page("/sager", cookie)
        reads["page_case_1_event"] = page(f"/sager/{short}", cookie)
        reads["page_case_1000_notes"] = page(f"/sager/{long_notes}", cookie)
        found.update(load_each(server.port, reads, duration=plan.read_seconds, warmup=plan.read_warmup))
        found["worker_peak_rss_kib"] = server.peak_rss_kib()
    return found


def _release_statistics(service: CaseService) -> dict[str, float]:
    """Release the seeded month, as if it had ended: the bench's cases are all recorded this month."""
    real_clock = service.clock
    service.clock = lambda: real_clock() + timedelta(days=40)
    try:
        started = time.perf_counter()
        service.release_statistics(None)
        return {"release_ms": 1000 * (time.perf_counter() - started)}
    finally:
        service.clock = real_clock


def _statistics_cost(service: CaseService) -> dict[str, float]:
    """Statistics in-process: reading the released tables and answering, then answering again (kept)."""
    statistics = service._statistics
    assert statistics is not None
    query = StatisticsRequest(("unit", "rule"), None, None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    tables = statistics.tables()
    timings["tables_ms"] = 1000 * (time.perf_counter() - started)
    started = time.perf_counter()
    statistics.answer(query)
    timings["first_answer_ms"] = 1000 * (time.perf_counter() - started)
    started = time.perf_counter()
    statistics.answer(query)
    timings["cached_answer_ms"] = 1000 * (time.perf_counter() - started)
    timings["atoms"] = sum(len(block.atoms) for table in tables for block in table.blocks)
    return timings


def measure_rebuild(service: CaseService, batch_size: int = 500) -> dict[str, Any]:
    """Events/s of ``projections rebuild`` and of reading the log alone, on fresh services (cold caches)."""
    head = int(service.recorder.max_notification_id() or 0)
    started = time.perf_counter()
    position = 0
    while batch := service.recorder.select_notifications(start=position + 1, limit=batch_size):
        position = batch[-1].id
    read_seconds = time.perf_counter() - started
    assert service.case_list_projection is not None
    with click.progressbar(length=head, label="  rebuilding the case list") as bar:
        started = time.perf_counter()
        done = service.case_list_projection.rebuild(batch_size=batch_size, progress=bar.update)
        rebuild_seconds = time.perf_counter() - started
    return {"events": head, "rebuilt": done, "read_seconds": read_seconds, "rebuild_seconds": rebuild_seconds,
            "read_events_per_second": head / read_seconds, "rebuild_events_per_second": done / rebuild_seconds}
