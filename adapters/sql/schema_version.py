"""The schema's version, recorded in the database, and the steps that bring an older one up to date.

A plain versioned table rather than Alembic: the event and tracking tables are defined by
``eventsourcing_sqlalchemy`` and the read tables can be rebuilt from the events, so the schema
changes this service makes are few and additive. New tables come from ``create_all`` (harmless
when they exist); a change to an existing table is a numbered step below, run once, in order,
in its own transaction with its version row. A step that needs the running service (its keys:
linking rows into a chain) is given to ``upgrade`` by the composition root and runs, once,
just before its version is recorded. A database whose version is above the code's was
written by a newer release: this code refuses it rather than guess what it may not touch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from adapters.sql import read_models
from adapters.sql.schema_lock import one_upgrade_at_a_time

SCHEMA_VERSION_TABLE = "breachtrail_schema_version"

metadata = MetaData()
schema_versions = Table(
    SCHEMA_VERSION_TABLE,
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    """One step.

    ``prepare``, if any, runs before the tables are created (whose making may already write to
    them: columns must be there by then); it must be harmless to run twice and on a table not
    made yet. ``refolds_case_list``: the step emptied the case list, which the caller folds again.
    """

    version: int
    description: str
    apply: Callable[[Connection], None]
    keyed: bool = False  # also runs the service's step for this version (``upgrade``'s ``steps``)
    refolds_case_list: bool = False
    prepare: Callable[[Connection], None] | None = None


def _baseline(connection: Connection) -> None:
    """Version 1 is the schema the first release made; ``create_all`` has made any part missing."""


def _keyed_only(connection: Connection) -> None:
    """Nothing to change in SQL: the table is new (``create_all``); the service's step does the rest."""


#: The version whose step links the policy events, and MACs the releases, stored before it.
POLICY_CHAIN_VERSION = 2

_DEADLINE_COLUMNS = ("latest_answer_on", "warnings_valid_until", "last_warning_valid_until", "closed_on", "heard")


def _add_deadline_columns(connection: Connection) -> None:
    """Version 3, first: the columns a case list made before lacks (blank until folded again)."""
    table = read_models.case_summaries
    if not inspect(connection).has_table(table.name):
        return  # made whole by create_all
    present = {column["name"] for column in inspect(connection).get_columns(table.name)}
    for name in _DEADLINE_COLUMNS:
        if name not in present:
            column = table.c[name]
            kind = column.type.compile(dialect=connection.dialect)
            rest = " NOT NULL DEFAULT FALSE" if not column.nullable else ""
            connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}{rest}"))


def _deadline_columns(connection: Connection) -> None:
    """Version 3: the case list keeps what the deadlines are derived from (service/deadlines.py).

    With its columns added (``_add_deadline_columns``), adds the indexes, then empties the case
    list and its position, so that folding the log again fills every row's new columns from
    its events (in the same transaction as the version: a crash leaves an empty list to fold,
    never rows whose deadline columns are silently blank).
    """
    table = read_models.case_summaries
    for index in table.indexes:
        index.create(connection, checkfirst=True)
    for stored in (read_models.case_summary_rules, read_models.case_facts, table):
        connection.execute(stored.delete())
    positions = read_models.projection_positions
    connection.execute(positions.delete().where(positions.c.name == read_models.CASE_LIST))


MIGRATIONS: list[Migration] = [
    Migration(1, "baseline: events, snapshots, read models, users, keys, chain, access log", _baseline),
    Migration(POLICY_CHAIN_VERSION, "policy chain and release MACs: what was stored before them is sealed once",
              _keyed_only, keyed=True),
    Migration(3, "the case list keeps the deadlines' facts (the list is folded again)", _deadline_columns,
              refolds_case_list=True, prepare=_add_deadline_columns),
]


def code_version() -> int:
    """The schema version this code writes and expects."""
    return max(migration.version for migration in MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a newer release than this code."""

    def __init__(self, database: int, code: int):
        super().__init__(
            f"the database's schema is version {database}, newer than this release's {code}: it was upgraded by "
            "a newer breachtrail. Run that release (or restore a backup made before the upgrade); "
            "this one will not touch it."
        )
        self.database = database
        self.code = code


def database_version(engine: Engine) -> int | None:
    """The highest version recorded; 0 for tables made before versions were recorded; None when empty."""
    tables = set(inspect(engine).get_table_names())
    if SCHEMA_VERSION_TABLE not in tables:
        return 0 if tables else None
    with engine.connect() as connection:
        version = connection.execute(select(func.max(schema_versions.c.version))).scalar()
    return int(version or 0)


def check_not_newer(engine: Engine) -> int | None:
    """The database's version; raises ``SchemaTooNew`` when it is above the code's."""
    version = database_version(engine)
    if version is not None and version > code_version():
        raise SchemaTooNew(version, code_version())
    return version


def upgrade(
    engine: Engine, create_tables: Callable[[], None], steps: Mapping[int, Callable[[], None]] | None = None,
) -> list[Migration]:
    """Bring the database to ``code_version()``: create missing tables, run the steps not yet run.

    ``steps`` holds, by version, what a keyed migration needs done by the service. One process
    at a time: another one upgrading the same database waits, then finds it done.
    """
    with one_upgrade_at_a_time(engine):
        current = check_not_newer(engine) or 0
        for migration in MIGRATIONS:
            if migration.version > current and migration.prepare is not None:
                with engine.begin() as connection:
                    migration.prepare(connection)
        create_tables()
        metadata.create_all(engine)
        applied = []
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            if migration.keyed:
                step = (steps or {}).get(migration.version)
                if step is None:
                    raise RuntimeError(f"schema version {migration.version} needs the service's keys: run "
                                       "'breachtrail init-db'")
                step()
            with engine.begin() as connection:
                migration.apply(connection)
                connection.execute(schema_versions.insert().values(
                    version=migration.version, description=migration.description, applied_at=datetime.now(UTC),
                ))
            applied.append(migration)
        return applied
