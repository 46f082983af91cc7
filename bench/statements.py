"""SQL statements per command, counted in-process on a fresh database (deterministic, no load).

The same count as tests/integration/test_statement_counts.py: every statement the service's
engine sends while one command runs, in the steady state of one process writing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters.composition import build_case_service, close_case_service
from adapters.config import Settings, generate_master_key, parse_master_key
from domain.values import Channel, Outcome, Role, Severity
from service.users import User

MANAGER = User("bench-manager", Role.MANAGER, frozenset({"tandplejen"}))


def count_statements(url: str) -> dict[str, int]:
    """Statements per command: a report, then each step of one case, then reading it."""
    with tempfile.TemporaryDirectory(prefix="breachtrail-bench-keys-") as keys:
        service = build_case_service(Settings(
            database_url=url, master_key=parse_master_key(generate_master_key()), key_dir=Path(keys)))
        try:
            return _count(service)
        finally:
            close_case_service(service)


def _count(service: Any) -> dict[str, int]:
    engine = service.factory.datastore.engine
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: seen.append(statement))
    day = service.today() - timedelta(days=60)

    def report() -> UUID:
        view = service.report_incident(
            MANAGER, unit="tandplejen", employee_ref="E-1", employee_name="Jane Doe", occurred_on=day,
            rules=["4.1", "6.1"], channel=Channel.SNAPCHAT, description="A photo from the staff room.")
        return UUID(view.id)

    report()  # a process's first write also reads the chain's head and the key epoch once
    counts: dict[str, int] = {}

    def run(name: str, command: Callable[[], Any]) -> Any:
        seen.clear()
        result = command()
        counts[name] = len(seen)
        return result

    case_id = run("report", report)
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("assessment", lambda: service.assess(MANAGER, case_id, work_environment_issue=True,
                                              severity=Severity.MEDIUM, notes="Felt exposed.")),
        ("hearing", lambda: service.open_hearing(MANAGER, case_id, sent_on=_after(day, 5))),
        ("statement", lambda: service.record_statement(MANAGER, case_id, received_on=_after(day, 8),
                                                       summary="I did not mean it.")),
        ("talk", lambda: service.hold_talk(MANAGER, case_id, held_on=_after(day, 10), participants=["A", "B"],
                                           union_rep_present=True, summary="Went through 4.3.")),
        ("warning", lambda: service.issue_warning(MANAGER, case_id, issued_on=_after(day, 20),
                                                  text="Written warning.", valid_until=None)),
        ("note", lambda: service.add_note(MANAGER, case_id, text="Followed up.")),
        ("closure", lambda: service.close_case(MANAGER, case_id, outcome=Outcome.SANCTIONED, reason="Warned.")),
    ]
    for name, step in steps:
        run(name, step)
    return counts


def _after(day: date, days: int) -> date:
    return day + timedelta(days=days)
