"""The rows a command writes beside its events, sent to the database as one statement.

A step writes its case list row, its statistics facts, the projection's position, a status
change and the chain link: five tables, which cost five statements when each store sent its own.
Inside the events' transaction (``batched_transaction``) the stores add their rows to the
session's batch instead, and it goes out once: on PostgreSQL as one data-modifying ``WITH``, on
SQLite as one INSERT into a temporary view whose ``INSTEAD OF`` trigger writes each table (SQLite
has no data-modifying ``WITH``). The rows travel as JSON, one parameter per table. What is
written, and its atomicity, are unchanged: the same upserts with the same "never over a newer
version" guards, in the same transaction, committed with the events or not at all.

The chain's links are written only if the chain's newest stored link is the one they were
computed from (``flush(previous=…)``): PostgreSQL then skips the links alone and says so;
SQLite's trigger aborts the statement, which is then sent again without them. Either way the
caller reads the head and writes the links itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

_SESSION_KEY = "breachtrail_write_batch"
_VIEW = "breachtrail_write_batch"
_HEAD_MOVED = "breachtrail: the chain head moved"


@dataclass(frozen=True)
class Part:
    """One table's share of a batch: its rows are inserted, ``conflict`` says what a stored row does.

    ``guard``, when set, is an expression that must equal the batch's ``previous`` for these rows
    to be written (the chain: its newest stored link).
    """

    table: Table
    conflict: str
    guard: str | None = None

    @property
    def name(self) -> str:
        return self.table.name


#: Every part a batch may hold, in the order they are written (SQLite's trigger names each).
_PARTS: list[Part] = []


def register(part: Part) -> Part:
    if all(known.name != part.name for known in _PARTS):
        _PARTS.append(part)
    return part


class WriteBatch:
    """Rows waiting to be written in the current transaction."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def add(self, part: Part, rows: Sequence[dict[str, Any]]) -> None:
        register(part)
        self.rows.setdefault(part.name, []).extend(rows)

    def flush(self, session: Session, previous: int | None = None) -> bool:
        """Write every waiting row in one statement; whether the guarded rows were written.

        With ``previous`` None the guarded rows are written unconditionally.
        """
        pending = {name: rows for name, rows in self.rows.items() if rows}
        self.rows = {}
        if not pending:
            return True
        dialect = session.get_bind().dialect
        guarded = [p.name for p in _PARTS if p.guard is not None and p.name in pending]
        if dialect.name == "postgresql":
            names = tuple(p.name for p in _PARTS if p.name in pending)
            values: dict[str, Any] = {name: _json(_part(name), pending[name], dialect) for name in names}
            conditional = previous is not None and bool(guarded)
            if conditional:
                values["previous"] = previous
            written = session.execute(_postgresql_statement(names, conditional), values).scalar_one()
            return not conditional or written == sum(len(pending[name]) for name in guarded)
        values = {p.name: (_json(p, pending[p.name], dialect) if p.name in pending else None) for p in _PARTS}
        values["previous"] = previous if guarded else None
        try:
            session.execute(_sqlite_statement(tuple(p.name for p in _PARTS)), values)
        except IntegrityError as error:
            if _HEAD_MOVED not in str(error.orig):
                raise
            # The statement was undone whole; the rows go again without the guarded ones.
            for name in guarded:
                values[name] = None
            values["previous"] = None
            session.execute(_sqlite_statement(tuple(p.name for p in _PARTS)), values)
            return False
        return True


def pending(session: Session) -> WriteBatch | None:
    """The batch open on ``session``, if its transaction batches its writes."""
    batch = session.info.get(_SESSION_KEY)
    return batch if isinstance(batch, WriteBatch) else None


@contextmanager
def batched_transaction(datastore: Any) -> Iterator[Session]:
    """The datastore's transaction, its stores' writes batched and sent before the commit."""
    with datastore.transaction(commit=True) as session:
        if pending(session) is not None:  # nested: the outer one sends them
            yield session
            return
        batch = session.info[_SESSION_KEY] = WriteBatch()
        try:
            yield session
            batch.flush(session)
        finally:
            session.info.pop(_SESSION_KEY, None)


def enable(engine: Any) -> None:
    """On SQLite, give each connection the temporary view and trigger a batch is sent through."""
    if engine.dialect.name != "sqlite" or sa.event.contains(engine, "checkout", _install):
        return
    sa.event.listen(engine, "checkout", _install)


def _install(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    # At checkout, before the connection's transaction begins: the view and trigger live as long
    # as the connection (TEMP), and are made again if the parts known have changed since.
    names = tuple(p.name for p in _PARTS)
    if record.info.get(_SESSION_KEY) == names:
        return
    cursor = dbapi_connection.cursor()
    try:
        for statement in _sqlite_schema(names):
            cursor.execute(statement)
    finally:
        cursor.close()
    record.info[_SESSION_KEY] = names


def _part(name: str) -> Part:
    return next(p for p in _PARTS if p.name == name)


def _json(part: Part, rows: Sequence[dict[str, Any]], dialect: Dialect) -> str:
    return json_rows(part.table, rows, dialect)


def json_rows(table: Table, rows: Sequence[dict[str, Any]], dialect: Dialect) -> str:
    """``rows`` of ``table`` as one JSON parameter, each value as ``dialect`` stores it."""
    processors = {c.name: c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns}
    converted = []
    for row in rows:
        values = {}
        for name, processor in processors.items():
            value = row.get(name)
            values[name] = processor(value) if processor is not None and value is not None else value
        converted.append(values)
    return json.dumps(converted, default=_plain, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} in a write batch")


def _columns(part: Part) -> list[str]:
    return [c.name for c in part.table.columns]


@cache
def _postgresql_statement(names: tuple[str, ...], conditional: bool) -> TextClause:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    ctes = []
    counted = []
    for index, name in enumerate(names):
        part = _part(name)
        columns = _columns(part)
        record = ", ".join(f"{c.name} {c.type.compile(dialect=dialect)}" for c in part.table.columns)
        where = f" WHERE {part.guard} = :previous" if part.guard is not None and conditional else ""
        ctes.append(
            f"w{index} AS (INSERT INTO {name} ({', '.join(columns)}) SELECT {', '.join(columns)} "
            f"FROM jsonb_to_recordset(CAST(:{name} AS jsonb)) AS r({record}){where} {part.conflict} RETURNING 1)"
        )
        if part.guard is not None:
            counted.append(f"(SELECT count(*) FROM w{index})")
    statement = text(f"WITH {', '.join(ctes)} SELECT {' + '.join(counted) or '0'}")
    params: list[Any] = [bindparam(name, type_=sa.Text()) for name in names]
    if conditional:
        params.append(bindparam("previous", type_=sa.BigInteger()))
    return statement.bindparams(*params)


@cache
def _sqlite_statement(names: tuple[str, ...]) -> TextClause:
    columns = [*names, "previous"]
    return text(
        f"INSERT INTO {_VIEW} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    ).bindparams(*(bindparam(name, type_=sa.Text()) for name in names),
                 bindparam("previous", type_=sa.BigInteger()))


def _sqlite_schema(names: tuple[str, ...]) -> list[str]:
    parts = [_part(name) for name in names]
    view_columns = ", ".join(f"NULL AS {c}" for c in [*names, "previous"])
    body = []
    for part in parts:
        if part.guard is not None:
            body.append(f"SELECT RAISE(ABORT, '{_HEAD_MOVED}') WHERE NEW.previous IS NOT NULL "
                        f"AND NEW.{part.name} IS NOT NULL AND {part.guard} <> NEW.previous;")
    for part in parts:
        columns = _columns(part)
        extracted = ", ".join(f"json_extract(value, '$.{c}')" for c in columns)
        # "WHERE 1": SQLite reads an ON CONFLICT after a bare FROM as a join's constraint.
        body.append(f"INSERT INTO {part.name} ({', '.join(columns)}) SELECT {extracted} "
                    f"FROM json_each(NEW.{part.name}) WHERE 1 {part.conflict};")
    return [
        f"DROP TRIGGER IF EXISTS temp.{_VIEW}_rows",
        f"DROP VIEW IF EXISTS temp.{_VIEW}",
        f"CREATE TEMP VIEW {_VIEW} AS SELECT {view_columns}",
        f"CREATE TEMP TRIGGER {_VIEW}_rows INSTEAD OF INSERT ON {_VIEW} BEGIN {' '.join(body)} END",
    ]
