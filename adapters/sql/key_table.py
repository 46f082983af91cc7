"""The ``case_keys`` table: one wrapped data key per case, NULL once destroyed, and its statements."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    select,
    text,
    update,
)

from adapters.sql import write_batch

metadata = MetaData()

case_keys = Table(
    "case_keys",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("master_key_id", String(16), nullable=False),
    Column("epoch", String(32)),  # NULL: wrapped by the master key itself (before epochs)
    Column("wrapped_key", LargeBinary),  # NULL once destroyed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True)),
    Index("case_keys_destroyed_idx", "destroyed_at"),
    Index("case_keys_epoch_idx", "epoch"),
)


# A plain INSERT that does nothing over an existing key (the one statement a new case's key costs).
INSERT_KEY = text(
    "INSERT INTO case_keys (case_id, master_key_id, epoch, wrapped_key, created_at) "
    "VALUES (:case_id, :master_key_id, :epoch, :wrapped_key, :created_at) ON CONFLICT (case_id) DO NOTHING"
).bindparams(*(bindparam(column.name, type_=column.type) for column in case_keys.columns
               if column.name != "destroyed_at"))

#: A new case's key in a command's write batch: written only while the epoch it was wrapped under
#: is the current one (held shared on PostgreSQL until the commit, as ``SqlKeyRing`` reads it).
#: No ON CONFLICT: a new case has no key, and one found would fail the transaction.
KEYS = write_batch.register(write_batch.Part(
    case_keys, "",
    guard="(SELECT key_epochs.id FROM key_epochs WHERE key_epochs.retired_at IS NULL "
          "ORDER BY key_epochs.created_at DESC LIMIT 1{share})",
    against="epoch", moved="breachtrail: the key epoch moved", blob="wrapped_key",
))

# A key re-wrapped under a new epoch: one statement sent with every key's values (executemany).
REWRAP = (
    update(case_keys).where(case_keys.c.case_id == bindparam("key_case_id"))
    .values(epoch=bindparam("new_epoch"), wrapped_key=bindparam("new_wrapped_key"))
)

#: When a case key was last destroyed: a change means a key held in memory may be one destroyed.
LATEST_DESTROYED = select(func.max(case_keys.c.destroyed_at)).scalar_subquery()


def aware_utc(moment: datetime) -> datetime:
    # SQLite keeps no offset: what we wrote there was UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
