"""SQL tables of the read side, and the case list store that the service writes and reads."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    desc,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from domain.rules import rule_codes
from service.case_list import CaseListFilter, CaseRow

metadata = MetaData()

case_summaries = Table(
    "case_summaries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("unit", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("status_before_closure", String(32)),
    Column("outcome", String(32)),
    Column("employee_ref", String(64)),
    Column("employee_name", String(200)),
    Column("occurred_on", Date, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("reported_by", String(64), nullable=False),
    Column("last_activity_at", DateTime(timezone=True), nullable=False),
    Column("hearing_sent_on", Date),
    Column("hearing_deadline", Date),
    Column("statement_after_hearing", Boolean, nullable=False),
    Column("personal_data_erased", Boolean, nullable=False),
    Index("case_summaries_activity_idx", "last_activity_at", "id"),
    Index("case_summaries_unit_activity_idx", "unit", "last_activity_at"),
    Index("case_summaries_status_activity_idx", "status", "last_activity_at"),
)

case_summary_rules = Table(
    "case_summary_rules",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("rule", String(8), primary_key=True),
    Column("ordinal", Integer, nullable=False),  # keeps the order the report named them in
    Index("case_summary_rules_rule_idx", "rule", "case_id"),
)

# The facts statistics are computed from: no names, no references, no free text.
case_facts = Table(
    "case_facts",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("unit", String(64), nullable=False),
    Column("month", String(7), nullable=False),
    Column("rules", String(200), nullable=False),  # codes in catalogue order, comma-separated
    Column("channel", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("outcome", String(32)),
)

projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

CASE_LIST = "case_list"

_ROW_COLUMNS = [c.name for c in case_summaries.columns]


class SqlCaseListStore:
    """The case list in SQL tables of the event store's database, written in its transactions."""

    def __init__(self, datastore: Any):
        # ``datastore`` is eventsourcing_sqlalchemy's: sharing it shares the transaction.
        self._datastore = datastore
        self._engine: Engine = datastore.engine

    def create_tables(self) -> None:
        metadata.create_all(self._engine)

    def transaction(self) -> AbstractContextManager[Any]:
        return self._datastore.transaction(commit=True)  # type: ignore[no-any-return]

    def rows(self, case_ids: Sequence[str]) -> dict[str, CaseRow]:
        if not case_ids:
            return {}
        with self._datastore.transaction(commit=False) as session:
            found = session.execute(select(case_summaries).where(case_summaries.c.id.in_(case_ids))).all()
            rules = _rules_of(session, [r.id for r in found])
        return {r.id: _row(r._mapping, rules.get(r.id, ())) for r in found}

    def save_rows(self, rows: Sequence[CaseRow], position: int | None) -> None:
        with self._datastore.transaction(commit=True) as session:
            if rows:
                ids = [row.id for row in rows]
                session.execute(delete(case_summary_rules).where(case_summary_rules.c.case_id.in_(ids)))
                for row in rows:
                    values = {name: getattr(row, name) for name in _ROW_COLUMNS}
                    session.execute(_upsert(session, case_summaries, values, ["id"]))
                    session.execute(_upsert(session, case_facts, _facts(row), ["case_id"]))
                session.execute(
                    case_summary_rules.insert(),
                    [
                        {"case_id": row.id, "rule": code, "ordinal": index}
                        for row in rows
                        for index, code in enumerate(row.rules)
                    ],
                )
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
        self, query: CaseListFilter, *, today: date, offset: int, limit: int
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
        with self._engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(t).where(where)).scalar_one()
            found = connection.execute(
                select(t).where(where).order_by(desc(t.c.last_activity_at), desc(t.c.id)).offset(offset).limit(limit)
            ).all()
            with Session(bind=connection) as session:
                rules = _rules_of(session, [r.id for r in found])
        return [_row(r._mapping, rules.get(r.id, ())) for r in found], total

    def _advance(self, session: Session, name: str, position: int) -> None:
        current = session.execute(
            select(projection_positions.c.position).where(projection_positions.c.name == name)
        ).scalar_one_or_none()
        if current is None:
            session.execute(projection_positions.insert().values(name=name, position=position))
        elif position > current:
            session.execute(
                projection_positions.update().where(projection_positions.c.name == name).values(position=position)
            )


def _facts(row: CaseRow) -> dict[str, Any]:
    return {
        "case_id": row.id,
        "version": row.version,
        "unit": row.unit,
        "month": row.occurred_on.strftime("%Y-%m"),
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


def _row(mapping: Any, rules: Sequence[str]) -> CaseRow:
    values = {name: mapping[name] for name in _ROW_COLUMNS}
    for name in ("reported_at", "last_activity_at"):
        values[name] = _aware(values[name])
    return CaseRow(rules=tuple(rules), **values)


def _aware(moment: datetime) -> datetime:
    # SQLite keeps no offset; every time we store is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _upsert(session: Session, table: Table, values: dict[str, Any], keys: list[str]) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    updates = {name: statement.excluded[name] for name in values if name not in keys}
    # Never over a newer version: a rebuild racing a live write must not set a row back.
    newer = table.c.version < statement.excluded.version
    return statement.on_conflict_do_update(index_elements=keys, set_=updates, where=newer)
