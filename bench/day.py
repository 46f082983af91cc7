"""The working-day scenario: many people at once on two app servers and one projection worker.

``measure_workday`` adds the people (managers across several units, HR, union reps) to a
database that holds the plan's cases, starts two ``breachtrail serve`` instances and one
``breachtrail projections run`` (the read side written by the worker, as in production with
``BREACHTRAIL_INLINE_PROJECTIONS=no``), signs every person in with a one-time link, and
runs ``bench.workday`` for the plan's time. Afterwards it waits for the worker to catch up
and checks, as after saturation, that every acknowledged write is stored and that the chain
verifies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import Any

import click
import sqlalchemy as sa

from adapters.composition import create_schema
from adapters.sql.users import UserStore
from bench.measures import Database, Plan, check_acknowledged, settle
from bench.pages import issue_links, redeem
from bench.seed import UNITS, seed_cases
from bench.servers import BREACHTRAIL, ROOT, breachtrail_servers, stop_group
from domain.values import Role

Say = Callable[[str], None]
WORKER_INTERVAL = 0.2  # seconds between the worker's looks at the log when it is quiet
CATCH_UP_TIMEOUT = 120.0


def people(plan: Plan) -> list[tuple[str, Role, list[str]]]:
    """Who works today: managers spread over the plan's units, HR, union reps."""
    units = UNITS[:plan.day_units]
    found = [(f"day-manager-{n:02d}", Role.MANAGER, [units[n % len(units)]]) for n in range(plan.day_managers)]
    found += [(f"day-hr-{n:02d}", Role.HR, []) for n in range(plan.day_hr)]
    found += [(f"day-rep-{n:02d}", Role.REP, []) for n in range(plan.day_reps)]
    return found


def measure_workday(url: str, plan: Plan, say: Say, *, cases_stored: int = 0) -> dict[str, Any]:
    """Run the day on ``url`` (seeded up to ``plan.day_cases`` first); latencies by route, failures, the check."""
    db = Database(url, staff=cases_stored == 0)
    if cases_stored < plan.day_cases:
        with db.service() as service, click.progressbar(length=plan.day_cases - cases_stored,
                                                        label=f"  seeding to {plan.day_cases:,} cases") as bar:
            seed_cases(service, plan.day_cases - cases_stored, seed=7, progress=bar.update)
        settle(url)
    cases = max(cases_stored, plan.day_cases)
    staff = people(plan)
    engine = sa.create_engine(url)
    try:
        users = UserStore(engine)
        tokens = {name: users.add(name, role, units) for name, role, units in staff}
    finally:
        engine.dispose()
    # What `serve` does first, done once here: the new users' grants are recorded before both servers start,
    # which would otherwise race to record the same grants.
    create_schema(db.settings)
    env = {**db.server_env, "BREACHTRAIL_INLINE_PROJECTIONS": "no"}
    say(f"working day: {len(staff)} people on 2 app servers and 1 projection worker, {plan.day_seconds:g} s, "
        f"{cases:,} cases")
    with ExitStack() as stack:
        servers = stack.enter_context(breachtrail_servers(env, 2))
        worker = stack.enter_context(projection_worker(env))
        links = issue_links(url, [name for name, _, _ in staff])
        spec = {
            "host": "127.0.0.1", "ports": [server.port for server in servers], "seconds": plan.day_seconds,
            "think": list(plan.day_think), "today": date.today().isoformat(), "seed": 1,
            "people": [{"name": name, "role": role.value, "unit": units[0] if units else None, "token": tokens[name],
                        # each signs in on one server; the session cookie works on both (one secret key)
                        "cookie": redeem(servers[index % 2].port, links[name])}
                       for index, (name, role, units) in enumerate(staff)],
        }
        day = _run(spec, plan.day_seconds + plan.day_think[1] + 120)
        say(f"working day: {day['requests']:,} requests ({day['requests_per_second']:.1f}/s), {day['failed']} failed; "
            "waiting for the projection worker to catch up")
        caught_up = wait_for_projection(db, CATCH_UP_TIMEOUT)
        if worker.process.poll() is not None:
            raise RuntimeError(f"the projection worker stopped:\n{worker.output()}")
    say(f"checking {len(day['acknowledged'])} acknowledged writes against the store")
    with db.service() as service:
        day["acknowledged_check"] = check_acknowledged(service, day.pop("acknowledged"))
    day["projection_caught_up_seconds"] = caught_up
    day["cases"] = cases
    day["roles"] = {role.value: sum(1 for _, r, _ in staff if r is role) for role in Role
                    if any(r is role for _, r, _ in staff)}
    day["units"] = plan.day_units
    return day


def _run(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    finished = subprocess.run([sys.executable, "-m", "bench.workday"], input=json.dumps(spec), capture_output=True,
                              text=True, cwd=ROOT, timeout=timeout, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"the working day's load generator failed:\n{finished.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(finished.stdout)
    return result


def wait_for_projection(db: Database, timeout: float) -> float | None:
    """Seconds until the worker's position reached the head of the log; None if it did not within ``timeout``."""
    started = time.monotonic()
    with db.service() as service:
        projection = service.case_list_projection
        assert projection is not None
        while time.monotonic() - started < timeout:
            if projection.status().lag == 0:
                return time.monotonic() - started
            time.sleep(WORKER_INTERVAL)
    return None


class Worker:
    """``breachtrail projections run`` in a process group of its own; its output kept for errors."""

    def __init__(self, env: dict[str, str]):
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        environ = {key: value for key, value in os.environ.items() if not key.startswith("BREACHTRAIL_")}
        environ.update(env)
        self.process = subprocess.Popen(
            [str(BREACHTRAIL), "projections", "run", "--interval", str(WORKER_INTERVAL)], stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, env=environ, cwd=ROOT, start_new_session=True)

    def output(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")[-4000:]

    def stop(self) -> None:
        try:
            stop_group(self.process, signal.SIGTERM)
        finally:
            self._log.close()


@contextmanager
def projection_worker(env: dict[str, str]) -> Iterator[Worker]:
    worker = Worker(env)
    try:
        yield worker
    finally:
        worker.stop()
