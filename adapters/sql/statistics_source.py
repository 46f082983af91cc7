"""Reads the anonymous case facts for statistics, aggregated in the database."""

from __future__ import annotations

from sys import intern

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from adapters.sql.read_models import CASE_LIST, case_facts, projection_positions
from service.statistics import Atom


class SqlStatisticsSource:
    """Atoms of the ``case_facts`` table; its version is the case projection's position."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def version(self) -> int:
        with self._engine.connect() as connection:
            position = connection.execute(
                select(projection_positions.c.position).where(projection_positions.c.name == CASE_LIST)
            ).scalar_one_or_none()
        return position or 0

    def atoms(self) -> list[Atom]:
        t = case_facts
        keys = (t.c.unit, t.c.month, t.c.rules, t.c.channel, t.c.status, t.c.outcome)
        with self._engine.connect() as connection:
            found = connection.execute(select(*keys, func.count()).group_by(*keys))
            # Each distinct value kept once (interned): every row brings its own copy of the same few
            # strings, and a worker keeps the atoms for as long as the data stands still.
            rule_sets: dict[str, tuple[str, ...]] = {}
            return [
                Atom(unit=intern(unit), month=intern(month),
                     rules=rule_sets.get(rules) or rule_sets.setdefault(rules, tuple(map(intern, rules.split(",")))),
                     channel=intern(channel), status=intern(status),
                     outcome=None if outcome is None else intern(outcome), count=count)
                for unit, month, rules, channel, status, outcome, count in found
            ]
