"""The access log's table, beside the events: one row per read of a case, never updated.

A row names the reader (user id and role), the moment, the case and which read it was,
with the version or time asked for. Nothing of the employee is in it, so erasure leaves
it whole.

A read costs one INSERT, sent on connections of the log's own in autocommit mode, committed
without waiting for the disk: PostgreSQL's asynchronous commit, SQLite's ``synchronous=NORMAL``
in WAL mode. Waiting for the disk made every read two to five times slower. The price: if the
database server (or, for SQLite, the machine) crashes, the entries of its last moments can be
lost (on PostgreSQL at most three times ``wal_writer_delay``, 0.6 s by default); what is kept
is never torn. Events are always committed durably, on the event store's connections.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine

from service.access_log import AccessEntry

metadata = MetaData()

access_log_table = Table(
    "access_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("case_id", String(36), nullable=False),
    Column("what", String(16), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("user_role", String(16), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer),
    Column("as_of", DateTime(timezone=True)),
    Index("access_log_case_idx", "case_id", "id"),
)


class SqlAccessLog:
    """Entries in the ``access_log`` table of the event store's database."""

    def __init__(self, datastore: Any):
        # eventsourcing_sqlalchemy's datastore: on SQLite its lock keeps writers in turn.
        self._datastore = datastore
        engine: Engine = datastore.engine
        self._writer: Engine | None = None
        # An in-memory SQLite database exists on the event store's one connection only.
        if not getattr(datastore, "is_sqlite_in_memory_db", False):
            self._writer = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
            event.listen(self._writer, "connect", _commit_without_waiting_for_the_disk)

    def create_tables(self) -> None:
        metadata.create_all(self._datastore.engine)

    def record(self, entry: AccessEntry) -> None:
        self.record_many([entry])

    def record_many(self, entries: list[AccessEntry]) -> None:
        if not entries:
            return
        rows = [
            {"case_id": entry.case_id, "what": entry.read, "user_id": entry.user_id, "user_role": entry.role,
             "read_at": _utc(entry.at), "version": entry.version,
             "as_of": None if entry.as_of is None else _utc(entry.as_of)}
            for entry in entries
        ]
        insert = access_log_table.insert()
        if self._writer is not None:
            with self._writer.connect() as connection:
                connection.execute(insert, rows)
            return
        with self._datastore.transaction(commit=True) as session:
            session.execute(insert, rows)

    def close(self) -> None:
        """Release the writer's connections (the event store's are its own to release)."""
        if self._writer is not None:
            self._writer.dispose()

    def entries(self, case_id: str) -> list[AccessEntry]:
        t = access_log_table
        with self._datastore.transaction(commit=False) as session:
            rows = session.execute(select(t).where(t.c.case_id == case_id).order_by(t.c.id)).all()
        return [
            AccessEntry(
                case_id=row.case_id, read=row.what, user_id=row.user_id, role=row.user_role,
                at=_aware(row.read_at), version=row.version,
                as_of=None if row.as_of is None else _aware(row.as_of),
            )
            for row in rows
        ]


def _commit_without_waiting_for_the_disk(dbapi_connection: Any, _record: Any) -> None:
    sqlite = type(dbapi_connection).__module__.startswith("sqlite3")
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=NORMAL" if sqlite else "SET synchronous_commit TO OFF")
    finally:
        cursor.close()
    dbapi_connection.commit()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite keeps no offset; every time stored here is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
