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

The log is chained, so that deleting or editing a row is caught by ``breachtrail verify``:
each process (each gunicorn worker, each command) writes its own chain, named by a random
id, its entries numbered 1, 2, 3… and each linked to the one before it:
``link = HMAC(key, previous link | chain | number | the entry)``, the key derived from the
master key. The previous link is held in memory, so a read still costs one INSERT, and
workers never wait for one another. A deleted entry leaves a gap in its chain's numbers and
the next link unmatched; an edited one, its own link. Rows written before the chain existed
have none and are counted apart. What the chain cannot show is entries cut off the end of a
chain (the newest reads of a process) or a whole chain deleted: a seal signs every chain's
head, and ``verify --against`` finds each sealed head still there; a seal is refused while the
log does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
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
    Text,
    bindparam,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import TextClause

from adapters.sql import write_batch
from service.access_log import AccessEntry, AccessLogCheck, ChainHead

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
    Column("chain", String(32)),  # NULL: written before the log was chained
    Column("seq", BigInteger().with_variant(Integer(), "sqlite")),
    Column("link", String(64)),
    Index("access_log_case_idx", "case_id", "id"),
    Index("access_log_chain_idx", "chain", "seq"),
)

GENESIS = bytes(32)
CHAINED_COLUMNS = {"chain": "VARCHAR(32)", "seq": "BIGINT", "link": "VARCHAR(64)"}


def access_log_key(master_key: bytes) -> bytes:
    """The access log chain's HMAC key, derived from (and guarded like) the master key."""
    return hmac.new(master_key, b"breachtrail access log chain v1", hashlib.sha256).digest()


def entry_link(key: bytes, previous: bytes, chain: str, seq: int, row: dict[str, Any]) -> bytes:
    """The link of one access log row, following ``previous`` in its chain."""
    parts = [previous.hex(), chain, str(seq), row["case_id"], row["what"], row["user_id"], row["user_role"],
             _moment(row["read_at"]), "" if row["version"] is None else str(row["version"]),
             "" if row["as_of"] is None else _moment(row["as_of"])]
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).digest()


class SqlAccessLog:
    """Entries in the ``access_log`` table of the event store's database."""

    def __init__(self, datastore: Any, key: bytes = GENESIS):
        # eventsourcing_sqlalchemy's datastore: on SQLite its lock keeps writers in turn.
        self._datastore = datastore
        self._key = key
        self._chain = secrets.token_hex(16)
        self._seq = 0
        self._previous = GENESIS
        self._lock = threading.Lock()
        engine: Engine = datastore.engine
        self._writer: Engine | None = None
        # An in-memory SQLite database exists on the event store's one connection only.
        if not getattr(datastore, "is_sqlite_in_memory_db", False):
            self._writer = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
            event.listen(self._writer, "connect", _commit_without_waiting_for_the_disk)

    @property
    def writes_apart(self) -> bool:
        """Whether entries go on the log's own connections, outside any transaction of the events'."""
        return self._writer is not None

    def create_tables(self) -> None:
        engine = self._datastore.engine
        metadata.create_all(engine)
        columns = {column["name"] for column in inspect(engine).get_columns("access_log")}
        for name, sql_type in CHAINED_COLUMNS.items():
            if name not in columns:  # a table made before the log was chained
                with engine.begin() as connection:
                    connection.execute(text(f"ALTER TABLE access_log ADD COLUMN {name} {sql_type}"))
        for index in access_log_table.indexes:
            index.create(engine, checkfirst=True)

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
        with self._lock:  # numbers and links in this process's chain, in the order they are given
            for row in rows:
                self._seq += 1
                link = entry_link(self._key, self._previous, self._chain, self._seq, row)
                row.update(chain=self._chain, seq=self._seq, link=link.hex())
                self._previous = link
        if self._writer is not None:
            with self._writer.connect() as connection:
                connection.execute(_insert_rows(connection.dialect.name), _rows_parameter(rows, connection.dialect))
            return
        with self._datastore.transaction(commit=True) as session:
            dialect = session.get_bind().dialect
            session.execute(_insert_rows(dialect.name), _rows_parameter(rows, dialect))

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

    def verify(self) -> AccessLogCheck:
        """Recompute every chain's links; name each gap, edit and foreign row found."""
        check = AccessLogCheck()
        current: str | None = None
        previous, expected, broken = GENESIS, 1, False
        for row in self._rows_in_chain_order():
            if row.chain is None:
                check.unchained += 1
                continue
            if row.chain != current:
                if current is not None:
                    check.heads.append(ChainHead(current, expected - 1, previous.hex()))
                current, previous, expected, broken = row.chain, GENESIS, 1, False
            check.checked += 1
            if broken:
                continue
            values = {"case_id": row.case_id, "what": row.what, "user_id": row.user_id, "user_role": row.user_role,
                      "read_at": row.read_at, "version": row.version, "as_of": row.as_of}
            link = entry_link(self._key, previous, row.chain, row.seq, values)
            if row.seq != expected:
                check.problems.append(
                    f"access log chain {row.chain}: entries {expected}..{row.seq - 1} are missing before entry "
                    f"id {row.id} (case {row.case_id}): deleted" if row.seq > expected else
                    f"access log chain {row.chain}: entry id {row.id} repeats number {row.seq}: inserted")
                broken = True
            elif not hmac.compare_digest(link.hex(), row.link or ""):
                check.problems.append(
                    f"access log entry id {row.id} (chain {row.chain}, number {row.seq}, case {row.case_id}): "
                    "its link does not match: the entry was altered or written outside the service")
                broken = True
            previous, expected = link, row.seq + 1
        if current is not None:
            check.heads.append(ChainHead(current, expected - 1, previous.hex()))
        return check

    def link_at(self, chain: str, seq: int) -> str | None:
        """The stored link of entry ``seq`` of ``chain``, if the entry is there."""
        t = access_log_table
        with self._datastore.engine.connect() as connection:
            return connection.execute(
                select(t.c.link).where(t.c.chain == chain, t.c.seq == seq).order_by(t.c.id).limit(1)).scalar()

    def _rows_in_chain_order(self) -> Iterator[Any]:
        t = access_log_table
        with self._datastore.engine.connect() as connection:
            result = connection.execution_options(yield_per=2000).execute(
                select(t).order_by(t.c.chain, t.c.seq, t.c.id))
            yield from result


_INSERTED = [column for column in access_log_table.columns if column.name != "id"]


@cache
def _insert_rows(dialect: str) -> TextClause:
    """One INSERT of every entry given, which travel as one JSON parameter: committed at once,
    where a statement per entry (executemany on the log's autocommit connections) committed each
    one, and cheaper to send than ten parameters an entry (adapters.sql.write_batch does the same)."""
    names = ", ".join(column.name for column in _INSERTED)
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        record = ", ".join(f"{c.name} {c.type.compile(dialect=postgresql.dialect())}" for c in _INSERTED)
        source = f"SELECT {names} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({record})"
    else:
        extracted = ", ".join(f"json_extract(value, '$.{column.name}')" for column in _INSERTED)
        source = f"SELECT {extracted} FROM json_each(:rows)"
    return text(f"INSERT INTO access_log ({names}) {source}").bindparams(bindparam("rows", type_=Text()))


def _rows_parameter(rows: list[dict[str, Any]], dialect: Any) -> dict[str, str]:
    return {"rows": write_batch.json_rows(access_log_table, rows, dialect)}


def _moment(value: datetime) -> str:
    return _aware(value).isoformat()


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
