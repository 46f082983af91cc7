"""The rows a command writes beside its events, sent to the database as one statement.

A step writes its case list row, its statistics facts, the projection's position, a status
change and the chain link: five tables, which cost five statements when each store sent its own.
Inside the events' transaction (``batched_transaction``) the stores add their rows to the
session's batch instead, and it goes out once: on PostgreSQL as one data-modifying ``WITH``, on
SQLite as one INSERT into a temporary view whose ``INSTEAD OF`` trigger writes each table (SQLite
has no data-modifying ``WITH``). The rows travel as JSON, one parameter per table. What is
written, and its atomicity, are unchanged: the same upserts with the same "never over a newer
version" guards, in the same transaction, committed with the events or not at all.

A part may be guarded: its rows are written only if an expression still equals what they were
computed from. The chain's links: the chain's newest stored link (``flush(previous=…)``); a new
case's key: the current key epoch it was wrapped under. PostgreSQL skips such rows alone and says
so; SQLite's trigger aborts the statement, which is then sent again without them. The chain's
caller then reads the head and writes the links itself; a key's ``otherwise`` writes it the
slow way (``adapters.sql.keys``), in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from operator import itemgetter
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

    ``guard``, when set, is an expression that must equal the batch's value named ``against``
    for these rows to be written (the chain: its newest stored link; ``moved`` is SQLite's word
    for a refusal); ``{share}`` in it is ``FOR SHARE`` on PostgreSQL. ``blob``: a binary column,
    which JSON cannot carry; on SQLite it travels as a parameter of its own, so a batch holds
    one row of such a part there (``WriteBatch.holds``).
    """

    table: Table
    conflict: str
    guard: str | None = None
    against: str = "previous"
    moved: str = _HEAD_MOVED
    blob: str | None = None

    @property
    def name(self) -> str:
        return self.table.name


#: Every part a batch may hold, in the order they are written (SQLite's trigger names each).
_PARTS: list[Part] = []


#: Their names, in that order (looked at on every connection's checkout).
_NAMES: list[tuple[str, ...]] = [()]


def register(part: Part) -> Part:
    if all(known.name != part.name for known in _PARTS):
        _PARTS.append(part)
        _NAMES[0] = tuple(p.name for p in _PARTS)
    return part


class WriteBatch:
    """Rows waiting to be written in the current transaction.

    ``many``: sent with the driver's ``executemany``, one statement per table, instead of as JSON
    in one statement. For thousands of rows at once (a projection catching up) on SQLite that
    costs less (measured: no JSON written, nor taken apart again by ``json_extract`` once per
    column); on PostgreSQL, and for a command's few rows, the one statement costs less.
    """

    def __init__(self, *, many: bool = False) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.many = many
        #: What guarded rows were computed from, by the name their guard is checked against.
        self.expected: dict[str, Any] = {}
        #: What writes a part's rows when its guard refused them.
        self.otherwise: dict[str, list[Callable[[Session], None]]] = {}

    def holds(self, part: Part) -> bool:
        """Rows of ``part`` are waiting."""
        return bool(self.rows.get(part.name))

    def add(self, part: Part, rows: Sequence[dict[str, Any]], *, expected: Any = None,
            otherwise: Callable[[Session], None] | None = None) -> None:
        """Add rows; a guarded part's ``expected`` value, and what to do if its guard refuses them."""
        register(part)
        self.rows.setdefault(part.name, []).extend(rows)
        if expected is not None:
            self.expected[part.against] = expected
        if otherwise is not None:
            self.otherwise.setdefault(part.name, []).append(otherwise)

    def flush(self, session: Session, previous: int | None = None) -> bool:
        """Write every waiting row in one statement; whether the chain's guarded rows were written.

        With ``previous`` None the chain's rows are written unconditionally. Other guarded rows
        that are refused are written by their ``otherwise`` before this returns.
        """
        pending = {name: rows for name, rows in self.rows.items() if rows}
        expected = {**self.expected, "previous": previous}
        otherwise = self.otherwise
        self.rows, self.expected, self.otherwise = {}, {}, {}
        if not pending:
            return True
        if self.many and not any(p.guard is not None for p in _PARTS if p.name in pending):
            _write_many(session, pending)
            return True
        refused = _write(session, pending, expected)
        for name in refused:
            for write in otherwise.get(name, ()):
                write(session)
        return not any(_part(name).against == "previous" for name in refused)


def _write_many(session: Session, pending: dict[str, list[dict[str, Any]]]) -> None:
    """Send the rows with the driver's ``executemany``, one statement per table."""
    dialect = session.get_bind().dialect
    cursor = session.connection().connection.cursor()
    try:
        for part in _PARTS:
            if part.name in pending:
                cursor.executemany(_many_statement(part, dialect.paramstyle),
                                   _values(part, pending[part.name], dialect))
    finally:
        cursor.close()


def _write(session: Session, pending: dict[str, list[dict[str, Any]]], expected: dict[str, Any]) -> list[str]:
    """Send the rows in one statement; the names of the guarded parts whose rows were refused."""
    dialect = session.get_bind().dialect
    guarded = [p for p in _PARTS if p.guard is not None and p.name in pending]
    conditional = tuple(p.name for p in guarded if expected.get(p.against) is not None)
    if dialect.name == "postgresql":
        names = tuple(p.name for p in _PARTS if p.name in pending)
        values: dict[str, Any] = {name: _json(_part(name), pending[name], dialect) for name in names}
        values.update({_part(name).against: expected[_part(name).against] for name in conditional})
        written = session.execute(_postgresql_statement(names, conditional), values).one()
        counts = dict(zip([p.name for p in guarded], written, strict=False))  # "SELECT 0" when none
        return [name for name in conditional if counts[name] != len(pending[name])]
    names = tuple(p.name for p in _PARTS)
    values = {p.name: (_json(p, pending[p.name], dialect) if p.name in pending else None) for p in _PARTS}
    values.update({p.blob: _blob(p, pending.get(p.name)) for p in _PARTS if p.blob is not None})
    values.update({against: None for against in _guard_names()})
    values.update({_part(name).against: expected[_part(name).against] for name in conditional})
    refused: list[str] = []
    while True:
        try:
            session.execute(_sqlite_statement(names), values)
            return refused
        except IntegrityError as error:
            part = next((p for p in guarded if p.name not in refused and p.moved in str(error.orig)), None)
            if part is None:
                raise
            # The statement was undone whole; the rows go again without the refused ones.
            refused.append(part.name)
            values[part.name] = None
            values[part.against] = None


def pending(session: Session) -> WriteBatch | None:
    """The batch open on ``session``, if its transaction batches its writes."""
    batch = session.info.get(_SESSION_KEY)
    return batch if isinstance(batch, WriteBatch) else None


@contextmanager
def batched_transaction(datastore: Any, *, many: bool = False) -> Iterator[Session]:
    """The datastore's transaction, its stores' writes batched and sent before the commit."""
    with datastore.transaction(commit=True) as session:
        if pending(session) is not None:  # nested: the outer one sends them
            yield session
            return
        batch = session.info[_SESSION_KEY] = WriteBatch(many=many)
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
    names = _NAMES[0]
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


def _guard(part: Part, share: str) -> str:
    assert part.guard is not None
    return part.guard.replace("{share}", share)


def _blob(part: Part, rows: list[dict[str, Any]] | None) -> Any:
    if not rows:
        return None
    assert part.blob is not None and len(rows) == 1, f"a batch holds one row of {part.name} on SQLite"
    return rows[0][part.blob]


def _guard_names() -> list[str]:
    return list(dict.fromkeys(p.against for p in _PARTS if p.guard is not None))


def _json(part: Part, rows: Sequence[dict[str, Any]], dialect: Dialect) -> str:
    return _encoded(_processors(part, dialect), rows)


def json_rows(table: Table, rows: Sequence[dict[str, Any]], dialect: Dialect) -> str:
    """``rows`` of ``table`` as one JSON parameter, each value as ``dialect`` stores it."""
    return _encoded(_table_processors(table, dialect), rows)


@cache
def _table_processors(table: Table, dialect: Dialect) -> dict[str, Any]:
    """Each column's conversion to what the driver is sent (None: as it is), in column order, looked up once."""
    return {c.name: c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns}


def _encoded(processors: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    converted = []
    for row in rows:
        values = {name: row.get(name) for name in processors}
        for name, processor in processors.items():
            value = values[name]
            if processor is not None and value is not None:
                values[name] = processor(value)
        converted.append(values)
    return _ENCODER.encode(converted)


_ENCODER = json.JSONEncoder(default=lambda value: _plain(value), separators=(",", ":"))


@cache
def _processors(part: Part, dialect: Dialect) -> dict[str, Any]:
    """The conversions of a part's columns for its JSON parameter: binary columns as hex, which
    JSON can carry (on SQLite the blob goes as a parameter of its own instead)."""
    plain = _table_processors(part.table, dialect)
    if dialect.name == "sqlite":
        return {name: processor for name, processor in plain.items() if name != part.blob}
    binary = {c.name for c in part.table.columns if isinstance(c.type, sa.LargeBinary)}
    return {name: (bytes.hex if name in binary else processor) for name, processor in plain.items()}


def _values(part: Part, rows: Sequence[dict[str, Any]], dialect: Dialect) -> list[Sequence[Any]]:
    """Each row's values in column order, as the column's type sends them (SQLAlchemy's own conversions)."""
    names = _columns(part)
    converting = [(index, processor) for index, processor in enumerate(_table_processors(part.table, dialect).values())
                  if processor is not None]
    getter = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    try:
        found = [getter(row) for row in rows]
    except KeyError:  # a column left out: NULL
        found = [tuple(row.get(name) for name in names) for row in rows]
    if not converting:
        return found
    converted = []
    for values in found:
        changed = list(values)
        for index, processor in converting:
            if (value := changed[index]) is not None:
                changed[index] = processor(value)
        converted.append(changed)
    return converted


@cache
def _many_statement(part: Part, paramstyle: str) -> str:
    marker = "?" if paramstyle == "qmark" else "%s"
    columns = _columns(part)
    return (f"INSERT INTO {part.name} ({', '.join(columns)}) VALUES ({', '.join(marker for _ in columns)}) "
            f"{part.conflict}")


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} in a write batch")


def _columns(part: Part) -> list[str]:
    return [c.name for c in part.table.columns]


@cache
def _postgresql_statement(names: tuple[str, ...], conditional: tuple[str, ...]) -> TextClause:
    """One data-modifying WITH; it answers, for each guarded part, how many of its rows it wrote."""
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    ctes = []
    counted = []
    for index, name in enumerate(names):
        part = _part(name)
        columns = _columns(part)
        binary = {c.name for c in part.table.columns if isinstance(c.type, sa.LargeBinary)}
        record = ", ".join(f"{c.name} {'text' if c.name in binary else c.type.compile(dialect=dialect)}"
                           for c in part.table.columns)
        selected = ", ".join(f"decode({c}, 'hex')" if c in binary else c for c in columns)
        where = f" WHERE {_guard(part, ' FOR SHARE')} = :{part.against}" if name in conditional else ""
        ctes.append(
            f"w{index} AS (INSERT INTO {name} ({', '.join(columns)}) SELECT {selected} "
            f"FROM jsonb_to_recordset(CAST(:{name} AS jsonb)) AS r({record}){where} {part.conflict} RETURNING 1)"
        )
        if part.guard is not None:
            counted.append(f"(SELECT count(*) FROM w{index})")
    statement = text(f"WITH {', '.join(ctes)} SELECT {', '.join(counted) or '0'}")
    params: list[Any] = [bindparam(name, type_=sa.Text()) for name in names]
    params += [bindparam(against, type_=sa.BigInteger() if against == "previous" else sa.Text())
               for against in dict.fromkeys(_part(name).against for name in conditional)]
    return statement.bindparams(*params)


@cache
def _sqlite_statement(names: tuple[str, ...]) -> TextClause:
    blobs = [p.blob for p in _PARTS if p.blob is not None]
    columns = [*names, *blobs, *_guard_names()]
    return text(
        f"INSERT INTO {_VIEW} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    ).bindparams(*(bindparam(name, type_=sa.Text()) for name in names),
                 *(bindparam(blob, type_=sa.LargeBinary()) for blob in blobs),
                 bindparam("previous", type_=sa.BigInteger()))


def _sqlite_schema(names: tuple[str, ...]) -> list[str]:
    parts = [_part(name) for name in names]
    blobs = [p.blob for p in parts if p.blob is not None]
    view_columns = ", ".join(f"NULL AS {c}" for c in [*names, *blobs, *_guard_names()])
    body = []
    for part in parts:
        if part.guard is not None:
            body.append(f"SELECT RAISE(ABORT, '{part.moved}') WHERE NEW.{part.against} IS NOT NULL "
                        f"AND NEW.{part.name} IS NOT NULL AND {_guard(part, '')} IS NOT NEW.{part.against};")
    for part in parts:
        columns = _columns(part)
        extracted = ", ".join(f"NEW.{c}" if c == part.blob else f"json_extract(value, '$.{c}')" for c in columns)
        # "WHERE 1": SQLite reads an ON CONFLICT after a bare FROM as a join's constraint.
        body.append(f"INSERT INTO {part.name} ({', '.join(columns)}) SELECT {extracted} "
                    f"FROM json_each(NEW.{part.name}) WHERE 1 {part.conflict};")
    return [
        f"DROP TRIGGER IF EXISTS temp.{_VIEW}_rows",
        f"DROP VIEW IF EXISTS temp.{_VIEW}",
        f"CREATE TEMP VIEW {_VIEW} AS SELECT {view_columns}",
        f"CREATE TEMP TRIGGER {_VIEW}_rows INSTEAD OF INSERT ON {_VIEW} BEGIN {' '.join(body)} END",
    ]
