"""The projection worker (``breachtrail projections run``) SIGKILLed mid-batch, again and again:
each restart resumes where the last committed batch ended, and the tables end up exactly as a
rebuild from the events alone makes them — nothing counted twice, nothing skipped."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from sqlalchemy import create_engine, text

from domain.values import Status
from tests.e2e.server import BREACHTRAIL
from tests.scenarios import MANAGER, case_in

KILLS = 4
TABLES = {"case_summaries": "id", "case_summary_rules": "case_id, ordinal", "case_facts": "case_id",
          "projection_positions": "name"}
# The employee columns are ciphertext with fresh nonces on every write; every other column must match.
SUMMARY_COLUMNS = ("id, version, unit, status, status_before_closure, outcome, occurred_on, channel, reported_at, "
                   "reported_by, last_activity_at, hearing_sent_on, hearing_deadline, statement_after_hearing, "
                   "personal_data_erased")


def dump(database_url: str) -> dict[str, list]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        found = {name: connection.execute(text(
            f"SELECT {SUMMARY_COLUMNS if name == 'case_summaries' else '*'} FROM {name} ORDER BY {order}"
        )).all() for name, order in TABLES.items()}
    engine.dispose()
    return found


def worker(database_url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BREACHTRAIL_DATABASE_URL": database_url, "BREACHTRAIL_CREATE_TABLES": "no"}
    return subprocess.Popen([str(BREACHTRAIL), "projections", "run", "--batch-size", "1", "--interval", "0.05", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_batch_many_times_resumes_and_matches_a_rebuild(make_service, database_url):
    writer = make_service(inline_projections=False)
    for _ in range(6):
        for status in (Status.WARNING_ISSUED, Status.CLOSED, Status.ESCALATED):
            case_in(writer, status)
    for n in range(10):
        writer.add_note(MANAGER, case_in(writer, Status.ASSESSED), text=f"note {n}")
    projection = make_service().case_list_projection
    head = projection.status().head
    assert projection.status().position == 0 and head > 80

    positions_at_kill = []
    for _ in range(KILLS):
        before = projection.status().position
        process = worker(database_url)
        deadline = time.monotonic() + 20
        while projection.status().position <= before and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        positions_at_kill.append(projection.status().position)
    assert all(0 < position < head for position in positions_at_kill), (positions_at_kill, head)
    assert positions_at_kill == sorted(positions_at_kill), "each restart resumed, none went back"

    finished = worker(database_url, "--once")
    output = finished.communicate(timeout=60)[0].decode()
    assert finished.returncode == 0, output
    assert f"following the event log from position {positions_at_kill[-1]}" in output
    assert projection.status().position == head
    followed = dump(database_url)

    assert projection.rebuild(batch_size=50) == head
    assert dump(database_url) == followed
    assert len(followed["case_summaries"]) == 28 and len(followed["case_facts"]) == 28
