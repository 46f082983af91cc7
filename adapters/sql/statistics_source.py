"""Status changes and statistics releases in SQL tables of the event store's database.

``statistics_transitions`` is read side: written by the case projection in its transaction,
emptied and refolded with it. ``statistics_releases`` is not: a release is written once, as the
exact text that was hashed, and never updated or deleted (a rebuild leaves it alone).

The recorded hash sits in the same row as the text, so someone who edits a count can write the
new text's hash too. Each row therefore also carries a MAC — HMAC-SHA256, keyed from the master
key, over its period, hash and releasing user — that only the service can make: ``breachtrail
verify`` reports a row whose MAC does not match, and a seal signs every release's hash besides.
"""

from __future__ import annotations

import hashlib
import hmac
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
    inspect,
    select,
    text,
    update,
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
    Column("mac", String(64)),  # NULL only on rows stored before releases carried one (until init-db)
)


def release_key(master_key: bytes) -> bytes:
    """The releases' MAC key, derived from (and guarded like) the master key."""
    return hmac.new(master_key, b"breachtrail statistics release v1", hashlib.sha256).digest()


def release_mac(key: bytes, period: str, digest: str, released_by: str) -> str:
    """The MAC of one release row."""
    return hmac.new(key, f"{period}|{digest}|{released_by}".encode(), hashlib.sha256).hexdigest()

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

    def __init__(self, datastore: Any, key: bytes = bytes(32)):
        self._datastore = datastore
        self._engine = datastore.engine
        self._key = key

    def create_tables(self) -> None:
        metadata.create_all(self._engine)
        if "mac" not in {column["name"] for column in inspect(self._engine).get_columns("statistics_releases")}:
            with self._engine.begin() as connection:  # a table made before releases carried a MAC
                connection.execute(text("ALTER TABLE statistics_releases ADD COLUMN mac VARCHAR(64)"))

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
                    mac=release_mac(self._key, record.period, record.hash, record.released_by),
                ))
        except IntegrityError:
            return False
        return True


    def forged(self) -> list[str]:
        """The periods whose row's MAC does not match: written or rewritten outside the service."""
        r = statistics_releases
        with self._engine.connect() as connection:
            rows = connection.execute(select(r.c.period, r.c.hash, r.c.released_by, r.c.mac).order_by(r.c.period))
            return [row.period for row in rows
                    if not hmac.compare_digest(row.mac or "", release_mac(self._key, row.period, row.hash,
                                                                           row.released_by))]

    def seal_unsealed(self) -> int:
        """Give the rows stored before releases carried a MAC theirs; how many (an upgrade's step, run once)."""
        r = statistics_releases
        with self._engine.begin() as connection:
            rows = connection.execute(select(r.c.period, r.c.hash, r.c.released_by).where(r.c.mac.is_(None))).all()
            for row in rows:
                connection.execute(update(r).where(r.c.period == row.period).values(
                    mac=release_mac(self._key, row.period, row.hash, row.released_by)))
        return len(rows)


def _aware(moment: datetime) -> datetime:
    # SQLite keeps no offset; every time we store is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
