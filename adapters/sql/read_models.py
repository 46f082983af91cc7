"""The case list store that the service writes and reads, on the tables of ``case_list_tables``."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    delete,
    desc,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from adapters.sql import write_batch
from adapters.sql.case_list_tables import (
    CASE_LIST,
    case_facts,
    case_summaries,
    case_summary_rules,
    look_up_query,
    metadata,
    projection_positions,
    rule_codes_column,
    rules_from,
)
from adapters.sql.key_table import LATEST_DESTROYED
from adapters.sql.sealed_employee import SealedEmployee
from domain.deadlines import CaseFacts
from domain.rules import rule_codes
from domain.values import Status, month_key
from service.case_list import DEADLINE_FIELDS, CaseListFilter, CaseRow, DueFilter, Listing, deadline_facts
from service.read_model_check import row_differences

_ROW_COLUMNS = [c.name for c in case_summaries.columns]


class SqlCaseListStore:
    """The case list in SQL tables of the event store's database, written in its transactions."""

    #: Employee fields may come as the report sealed them (``Sealed``): stored without a key.
    stores_sealed_values = True

    def __init__(self, datastore: Any, key_ring: Any = None):
        # ``datastore`` is eventsourcing_sqlalchemy's: sharing it shares the transaction.
        self._datastore = datastore
        self._engine: Engine = datastore.engine
        self._sealed = SealedEmployee(key_ring)

    @property
    def checks_destroyed_keys(self) -> bool:
        """Whether ``page`` forgets keys destroyed elsewhere before it opens a row (``KeyRing.refresh``)."""
        return hasattr(self._sealed.key_ring, "refreshed")

    def create_tables(self) -> None:
        metadata.create_all(self._engine)

    def transaction(self) -> AbstractContextManager[Any]:
        """A catch-up's transaction: its rows, transitions and position sent together before the commit."""
        return write_batch.batched_transaction(self._datastore, many=self._engine.dialect.name == "sqlite")

    def rows(self, case_ids: Sequence[str]) -> dict[str, CaseRow]:
        if not case_ids:
            return {}
        with self._datastore.transaction(commit=False) as session:
            found = session.execute(select(case_summaries).where(case_summaries.c.id.in_(case_ids))).all()
            rules = _rules_of(session, [r.id for r in found])
        return {r.id: self._row(r._mapping, rules.get(r.id, ())) for r in found}

    def unit_of(self, case_id: str) -> str | None:
        with self._datastore.transaction(commit=False) as session:
            return session.execute(select(case_summaries.c.unit).where(case_summaries.c.id == case_id)).scalar()

    def look_up(self, case_id: str) -> Listing:
        """The case's unit and version, and when a case key was last destroyed: one query."""
        refreshed = getattr(self._sealed.key_ring, "refreshed", None)
        with self._datastore.transaction(commit=False) as session:
            found = session.execute(look_up_query(refreshed is not None), {"case_id": case_id}).one()
        if refreshed is not None:
            refreshed(found.latest_destroyed)
        return Listing(found.unit, found.version, keys_checked=refreshed is not None)

    def save_rows(
        self, rows: Sequence[CaseRow], position: int | None, *, new_rules: Sequence[str] | None = None
    ) -> None:
        with self._datastore.transaction(commit=True) as session:
            if rows:
                if new_rules is None:
                    ids = [row.id for row in rows]
                    session.execute(delete(case_summary_rules).where(case_summary_rules.c.case_id.in_(ids)))
                # One statement each, built once and sent with every row's values (executemany):
                # building and compiling an upsert per row cost more than the database's work.
                summaries = [self._sealed.seal(stored_columns(row)) for row in rows]
                ruled = set(new_rules) if new_rules is not None else None
                rules = [
                    {"case_id": row.id, "rule": code, "ordinal": index}
                    for row in rows if ruled is None or row.id in ruled
                    for index, code in enumerate(row.rules)
                ]
                batch = write_batch.pending(session) if ruled is not None else None
                if batch is not None:
                    # A command's rows: sent with the rest of its writes, in one statement.
                    batch.add(SUMMARIES, summaries)
                    batch.add(FACTS, [_facts(row) for row in rows])
                    batch.add(RULES, rules)
                else:
                    session.execute(_upsert(case_summaries), summaries)
                    session.execute(_upsert(case_facts), [_facts(row) for row in rows])
                    if rules:
                        # A case's rules are its report's: over stored ones (a replay), nothing changes.
                        session.execute(case_summary_rules.insert() if ruled is None else _INSERT_RULES, rules)
            if position is not None:
                self._advance(session, CASE_LIST, position)

    def reset(self, name: str = CASE_LIST) -> None:
        with self._datastore.transaction(commit=True) as session:
            for table in (case_summary_rules, case_facts, case_summaries):
                session.execute(delete(table))
            session.execute(delete(projection_positions).where(projection_positions.c.name == name))

    def position(self, name: str = CASE_LIST) -> int | None:
        with self._engine.connect() as connection:
            return connection.execute(
                select(projection_positions.c.position).where(projection_positions.c.name == name)
            ).scalar_one_or_none()

    def page(
        self, query: CaseListFilter, *, today: date, offset: int, limit: int, count_limit: int | None = None
    ) -> tuple[list[CaseRow], int]:
        t = case_summaries
        conditions = []
        if query.units is not None:
            conditions.append(t.c.unit.in_(sorted(query.units)))
        if query.unit is not None:
            conditions.append(t.c.unit == query.unit)
        if query.status is not None:
            conditions.append(t.c.status == query.status)
        if query.rule is not None:
            conditions.append(
                exists().where(and_(case_summary_rules.c.case_id == t.c.id, case_summary_rules.c.rule == query.rule))
            )
        if query.overdue is not None:
            overdue = and_(
                t.c.status != "closed",
                t.c.hearing_deadline.is_not(None),
                t.c.hearing_deadline < today,
                not_(t.c.statement_after_hearing),
            )
            conditions.append(overdue if query.overdue else or_(not_(overdue), t.c.hearing_deadline.is_(None)))
        where = and_(True, *conditions)
        if count_limit is None:
            counted = select(func.count()).select_from(t).where(where)
        else:  # a bounded count reads at most ``count_limit`` rows of an index, however many match
            counted = select(func.count()).select_from(
                select(literal(1)).select_from(t).where(where).limit(count_limit).correlate(None).subquery())
        refreshed = getattr(self._sealed.key_ring, "refreshed", None)
        # The count, and whether a case key was destroyed elsewhere, asked with the page: each an
        # uncorrelated subquery, evaluated once. Only a page past the last asks them apart.
        asked = [counted.correlate(None).scalar_subquery().label("matching")]
        if refreshed is not None:
            asked.append(LATEST_DESTROYED.label("latest_destroyed"))
        rules = rule_codes_column(self._engine.dialect.name)
        with self._engine.connect() as connection:
            found = connection.execute(
                select(t, rules, *asked).where(where).order_by(desc(t.c.last_activity_at), desc(t.c.id))
                .offset(offset).limit(limit)
            ).all()
            answers = found[0] if found else connection.execute(select(*asked)).one()
        if refreshed is not None:
            refreshed(answers.latest_destroyed)
        return [self._row(r._mapping, rules_from(r.rule_codes)) for r in found], answers.matching

    def _row(self, mapping: Any, rules: Sequence[str]) -> CaseRow:
        """A stored row as a ``CaseRow``, its employee opened."""
        return CaseRow(rules=tuple(rules), **self._sealed.open_columns(read_columns(mapping, _ROW_COLUMNS)))

    def due_facts(self, due: DueFilter) -> list[CaseFacts]:
        t = case_summaries
        # Each branch one an index answers: (last_warning_valid_until), (status, last_activity_at)
        # and (outcome, closed_on); the open statuses are the idle days' keys.
        admitted = [
            t.c.last_warning_valid_until >= due.today,
            *((t.c.status == status) & (t.c.last_activity_at < since) for status, since in due.idle_since.items()),
            t.c.status.in_(sorted(due.idle_since)) & t.c.hearing_sent_on.is_not(None)
            & not_(t.c.statement_after_hearing),
        ]
        if due.retention_closed_by:
            admitted.append((t.c.status == Status.CLOSED.value) & or_(*(
                (t.c.outcome == outcome) & (t.c.closed_on <= closed_by)
                for outcome, closed_by in due.retention_closed_by.items()
            )))
        where = [not_(t.c.personal_data_erased), or_(*admitted)]
        if due.units is not None:
            where.append(t.c.unit.in_(sorted(due.units)))
        columns = [t.c[name] for name in DEADLINE_FIELDS]
        with self._engine.connect() as connection:
            found = connection.execute(select(*columns).where(*where).order_by(t.c.id)).all()
        return [deadline_facts(**read_columns(r._mapping, DEADLINE_FIELDS)) for r in found]

    def differences(self, expected: dict[str, CaseRow]) -> list[str]:
        """Where ``case_summaries`` and ``case_facts`` differ from the rows the events give."""
        with self._datastore.transaction(commit=False) as session:
            ids = list(session.execute(select(case_summaries.c.id)).scalars())
            facts = {r.case_id: dict(r._mapping) for r in session.execute(select(case_facts)).all()}
        found = row_differences(expected, self.rows(ids), "case_summaries")
        wanted = {case_id: _facts(row) for case_id, row in expected.items()}
        for case_id in sorted(wanted.keys() ^ facts.keys()):
            found.append(f"case_facts: case {case_id} is " + ("missing" if case_id in wanted else
                                                                "there but no event reports it"))
        for case_id in sorted(wanted.keys() & facts.keys()):
            for column, want in wanted[case_id].items():
                if facts[case_id][column] != want:
                    found.append(f"case_facts: case {case_id}, column {column}: stored {facts[case_id][column]!r}, "
                                 f"the events say {want!r}")
        return found

    def _advance(self, session: Session, name: str, position: int) -> None:
        # One upsert, and never backwards: a batch folded late must not move the position back.
        batch = write_batch.pending(session)
        if batch is not None:
            batch.add(POSITIONS, [{"name": name, "position": position}])
        else:
            session.execute(_upsert(projection_positions), {"name": name, "position": position})


def _facts(row: CaseRow) -> dict[str, Any]:
    return {
        "case_id": row.id,
        "version": row.version,
        "unit": row.unit,
        "month": month_key(row.occurred_on),
        "rules": ",".join(sorted(row.rules, key=_catalogue_position)),
        "channel": row.channel,
        "status": row.status,
        "outcome": row.outcome,
    }


def _catalogue_position(code: str) -> int:
    codes = rule_codes()
    return codes.index(code) if code in codes else len(codes)


def _rules_of(session: Session, case_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    if not case_ids:
        return {}
    found: dict[str, list[str]] = {}
    for case_id, rule in session.execute(
        select(case_summary_rules.c.case_id, case_summary_rules.c.rule)
        .where(case_summary_rules.c.case_id.in_(case_ids))
        .order_by(case_summary_rules.c.case_id, case_summary_rules.c.ordinal)
    ):
        found.setdefault(case_id, []).append(rule)
    return {key: tuple(value) for key, value in found.items()}


def stored_columns(row: CaseRow) -> dict[str, Any]:
    """A row's ``case_summaries`` columns as stored (the employee not yet sealed)."""
    values = {name: row.__dict__[name] for name in _ROW_COLUMNS}
    values["warnings_valid_until"] = ",".join(day.isoformat() for day in row.warnings_valid_until) or None
    return values


def read_columns(mapping: Any, names: Sequence[str]) -> dict[str, Any]:
    """Stored columns as a ``CaseRow`` has them: times with their offset, the warnings' days as dates."""
    values = {name: mapping[name] for name in names}
    for name in ("reported_at", "last_activity_at"):
        if name in values:
            values[name] = _aware(values[name])
    if "warnings_valid_until" in values:
        text = values["warnings_valid_until"]
        values["warnings_valid_until"] = tuple(date.fromisoformat(day) for day in text.split(",")) if text else ()
    return values


def _aware(moment: datetime) -> datetime:
    # SQLite keeps no offset; every time we store is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_INSERT_RULES = text(
    "INSERT INTO case_summary_rules (case_id, rule, ordinal) VALUES (:case_id, :rule, :ordinal) "
    "ON CONFLICT (case_id, rule) DO NOTHING"
).bindparams(*(bindparam(column.name, type_=column.type) for column in case_summary_rules.columns))

# Each upserted table's key, and the column that may only ever grow.
_UPSERT_KEYS: dict[str, tuple[str, str]] = {
    case_summaries.name: ("id", "version"),
    case_facts.name: ("case_id", "version"),
    projection_positions.name: ("name", "position"),
}


def _on_conflict(table: Table) -> str:
    key, growing = _UPSERT_KEYS[table.name]
    updates = ", ".join(f"{c.name} = excluded.{c.name}" for c in table.columns if c.name != key)
    # Never over a newer version: a rebuild racing a live write must not set a row back.
    return f"ON CONFLICT ({key}) DO UPDATE SET {updates} WHERE {table.name}.{growing} < excluded.{growing}"


@cache
def _upsert(table: Table) -> TextClause:
    """INSERT … ON CONFLICT DO UPDATE for ``table``; SQLite and PostgreSQL spell it alike.

    Written as text because SQLAlchemy cannot cache a compiled ON CONFLICT statement, and
    compiling three of them for every write cost more than the database's own work on them.
    """
    names = [column.name for column in table.columns]
    statement = text(
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(':' + name for name in names)}) "
        f"{_on_conflict(table)}"
    )
    return statement.bindparams(*(bindparam(column.name, type_=column.type) for column in table.columns))


# A command's share of its transaction's write batch (adapters.sql.write_batch), per table.
SUMMARIES = write_batch.register(write_batch.Part(case_summaries, _on_conflict(case_summaries)))
FACTS = write_batch.register(write_batch.Part(case_facts, _on_conflict(case_facts)))
RULES = write_batch.register(write_batch.Part(case_summary_rules, "ON CONFLICT (case_id, rule) DO NOTHING"))
POSITIONS = write_batch.register(write_batch.Part(projection_positions, _on_conflict(projection_positions)))
