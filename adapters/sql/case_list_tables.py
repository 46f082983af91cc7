"""The case list's tables, and the statements its pages read with, built once where they can be."""

from __future__ import annotations

from functools import cache
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
    Text,
    bindparam,
    cast,
    false,
    func,
    literal,
    select,
)

from adapters.sql.key_table import LATEST_DESTROYED

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
    # Encrypted with the case's key, like the events: no clear copy outlives an erasure.
    Column("employee_ref", Text),
    Column("employee_name", Text),
    Column("occurred_on", Date, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("reported_by", String(64), nullable=False),
    Column("last_activity_at", DateTime(timezone=True), nullable=False),
    Column("hearing_sent_on", Date),
    Column("hearing_deadline", Date),
    Column("statement_after_hearing", Boolean, nullable=False),
    Column("personal_data_erased", Boolean, nullable=False),
    # What the deadlines read besides the above (schema version 2; service.case_list.CaseRow says each).
    Column("latest_answer_on", Date),
    Column("warnings_valid_until", Text),  # ISO days, comma-separated, in the order issued; NULL: none
    Column("last_warning_valid_until", Date),
    Column("closed_on", Date),
    Column("heard", Boolean, nullable=False, server_default=false()),
    Index("case_summaries_activity_idx", "last_activity_at", "id"),
    Index("case_summaries_unit_activity_idx", "unit", "last_activity_at"),
    Index("case_summaries_status_activity_idx", "status", "last_activity_at"),
    # The deadline query's closed cases: a warning still valid, a retention within notice.
    Index("case_summaries_warning_idx", "last_warning_valid_until"),
    Index("case_summaries_closed_idx", "outcome", "closed_on"),
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


@cache
def look_up_query(with_keys: bool) -> Any:
    """Built once: building it cost each case page more than the database's work on it."""
    columns: list[Any] = [case_summaries.c.unit, case_summaries.c.version]
    if with_keys:
        columns.append(LATEST_DESTROYED.label("latest_destroyed"))
    one = select(literal(1).label("one")).subquery()
    return select(*columns).select_from(one.outerjoin(case_summaries, case_summaries.c.id == bindparam("case_id")))


def rule_codes_column(dialect: str) -> Any:
    """Each row's rules as one column, ``ordinal:code`` joined by commas (with the page, one query
    less than reading them after it); neither database orders such an aggregate here, so the
    ordinal travels with each code."""
    r = case_summary_rules
    coded = cast(r.c.ordinal, String) + ":" + r.c.rule
    joined = func.string_agg(coded, ",") if dialect == "postgresql" else func.group_concat(coded, ",")
    return select(joined).where(r.c.case_id == case_summaries.c.id).scalar_subquery().label("rule_codes")


def rules_from(codes: str | None) -> tuple[str, ...]:
    """The rules of ``rule_codes_column``, in the order the report named them."""
    if not codes:
        return ()
    ordered = sorted((int(ordinal), code) for ordinal, code in (part.split(":", 1) for part in codes.split(",")))
    return tuple(code for _, code in ordered)
