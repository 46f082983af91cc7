"""Status changes and statistics releases in SQL tables of the event store's database.

``statistics_transitions`` is read side: written by the case projection in its transaction,
emptied and refolded with it. ``statistics_releases`` is not: a release is written once, as the
exact text that was hashed, and never updated or deleted (a rebuild leaves it alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from adapters.sql import write_batch
from service.statistics_release import ReleaseRecord, Transition

metadata = MetaData()

# What statistics count: no names, no references, no free text.
statistics_transitions = Table(
    "statistics_transitions",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("period", String(7), nullable=False),  # YYYY-MM recorded, Danish time
    Column("unit", String(64), nullable=False),
    Column("rules", String(200), nullable=False),  # codes in catalogue order, comma-separated
    Column("channel", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("outcome", String(32)),
    Index("statistics_transitions_period_idx", "period"),
)

statistics_releases = Table(
    "statistics_releases",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("released_at", DateTime(timezone=True), nullable=False),
    Column("released_by", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
)

_COLUMNS = [column.name for column in statistics_transitions.columns]
# Written as text: SQLAlchemy spells ON CONFLICT per dialect; SQLite and PostgreSQL agree on this.
_INSERT_NEW = text(
    f"INSERT INTO statistics_transitions ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(':' + name for name in _COLUMNS)}) ON CONFLICT (case_id, version) DO NOTHING"
).bindparams(*(bindparam(c.name, type_=c.type) for c in statistics_transitions.columns))

TRANSITIONS = write_batch.register(
    write_batch.Part(statistics_transitions, "ON CONFLICT (case_id, version) DO NOTHING"))


class SqlStatisticsStore:
    """The service's ``StatisticsStore`` on the event store's datastore (sharing its transactions)."""

    def __init__(self, datastore: Any):
        self._datastore = datastore
        self._engine = datastore.engine

    def create_tables(self) -> None:
        metadata.create_all(self._engine)

    def save_transitions(self, transitions: Sequence[Transition]) -> None:
        rows = [
            {"case_id": t.case_id, "version": t.version, "period": t.period, "unit": t.unit,
             "rules": ",".join(t.rules), "channel": t.channel, "status": t.status, "outcome": t.outcome}
            for t in transitions
        ]
        with self._datastore.transaction(commit=True) as session:
            batch = write_batch.pending(session)
            if batch is not None:
                batch.add(TRANSITIONS, rows)  # sent with the rest of the command's writes
            else:
                session.execute(_INSERT_NEW, rows)

    def reset_transitions(self) -> None:
        with self._datastore.transaction(commit=True) as session:
            session.execute(delete(statistics_transitions))

    def transitions(self, period: str) -> list[Transition]:
        t = statistics_transitions
        with self._engine.connect() as connection:
            found = connection.execute(select(t).where(t.c.period == period).order_by(t.c.case_id, t.c.version))
            return [
                Transition(case_id=r.case_id, version=r.version, period=r.period, unit=r.unit,
                           rules=tuple(code for code in r.rules.split(",") if code), channel=r.channel,
                           status=r.status, outcome=r.outcome)
                for r in found
            ]

    def periods(self) -> list[str]:
        with self._engine.connect() as connection:
            return list(connection.execute(select(statistics_transitions.c.period).distinct()).scalars())

    def version(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(statistics_releases)).scalar_one())

    def records(self) -> list[ReleaseRecord]:
        r = statistics_releases
        with self._engine.connect() as connection:
            found = connection.execute(
                select(r.c.period, r.c.released_at, r.c.released_by, r.c.hash).order_by(r.c.period)
            ).all()
        return [ReleaseRecord(row.period, _aware(row.released_at), row.released_by, row.hash) for row in found]

    def bodies(self) -> dict[str, str]:
        r = statistics_releases
        with self._engine.connect() as connection:
            return {row.period: row.body for row in connection.execute(select(r.c.period, r.c.body))}

    def add(self, record: ReleaseRecord, body: str) -> bool:
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(statistics_releases).values(
                    period=record.period, released_at=record.released_at, released_by=record.released_by,
                    hash=record.hash, body=body,
                ))
        except IntegrityError:
            return False
        return True


def _aware(moment: datetime) -> datetime:
    # SQLite keeps no offset; every time we store is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
