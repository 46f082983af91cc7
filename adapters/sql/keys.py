"""Per-case data keys in the event store's database, wrapped by the key of the current epoch.

A case key is wrapped by an epoch key that lives outside the database (see
``key_epochs``); erasure destroys the case's wrapped key and starts a new epoch, so that
every earlier copy of it — in the write-ahead log, free pages, dead tuples, backups — is
ciphertext under a key that is destroyed. Case keys made before epochs existed were
wrapped by the master key directly; the first rotation re-wraps them.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    inspect,
    select,
    text,
    update,
)

from adapters.sql import write_batch
from adapters.sql.key_epochs import CaseKeyError, EpochKeyFiles, EpochKeyMissing, key_epochs
from adapters.sql.key_epochs import metadata as epoch_metadata
from adapters.sql.key_rotation import NONCE_BYTES, KeyEpochRotation
from adapters.sql.key_table import INSERT_KEY, KEYS, LATEST_DESTROYED, case_keys, metadata

KEY_BYTES = 32

#: The current epoch, held shared (built once: it is read by every new case's key).
_CURRENT_EPOCH_SHARED = (
    select(key_epochs.c.id).where(key_epochs.c.retired_at.is_(None))
    .order_by(key_epochs.c.created_at.desc()).limit(1).with_for_update(read=True)
)


def master_key_id(master_key: bytes) -> str:
    return hashlib.sha256(b"breachtrail master key id" + master_key).hexdigest()[:16]


class SqlKeyRing(KeyEpochRotation):
    """Case keys in the ``case_keys`` table, written in the transaction of the case's events."""

    def __init__(
        self, datastore: Any, master_key: bytes, key_files: EpochKeyFiles, *,
        backup_window: timedelta = timedelta(0), cache_size: int = 10_000,
    ):
        self._datastore = datastore
        self._master = AESGCM(master_key)
        self._master_id = master_key_id(master_key)
        self.key_files = key_files
        self.backup_window = backup_window
        self._epoch_keys: dict[str, bytes] = {}
        self._cache: OrderedDict[UUID, bytes] = OrderedDict()
        self._cache_size = cache_size
        self._last_destroyed: Any = None
        # The epoch new keys were last wrapped under: a guess that saves a read per new case,
        # checked inside the key's own transaction before it commits (``_create``).
        self._current_epoch: str | None = None

    # --- schema and start-up ------------------------------------------------------------------

    def create_tables(self) -> None:
        engine = self._datastore.engine
        epoch_metadata.create_all(engine)
        metadata.create_all(engine)
        columns = {column["name"] for column in inspect(engine).get_columns("case_keys")}
        if "epoch" not in columns:  # a table made before epochs
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE case_keys ADD COLUMN epoch VARCHAR(32)"))
        for index in case_keys.indexes:
            index.create(engine, checkfirst=True)

    def check_master_key(self) -> None:
        """Refuse to start with a master key that is not the one this database's keys were made with."""
        with self._datastore.transaction(commit=False) as session:
            other = session.execute(
                select(case_keys.c.master_key_id).where(case_keys.c.master_key_id != self._master_id).limit(1)
            ).first()
        if other is not None:
            raise CaseKeyError(
                "the configured master key is not the one this database's case keys were made with: "
                "set BREACHTRAIL_MASTER_KEY (or BREACHTRAIL_MASTER_KEY_FILE) to that key"
            )

    def start(self) -> None:
        """Make sure there is a current epoch whose key opens, and finish an interrupted erasure."""
        if self.needs_rotation():
            self.rotate()
        else:
            self.prune()
        current = self.current_epoch()
        assert current is not None
        try:
            self._epoch_key(current)
        except EpochKeyMissing as error:
            raise CaseKeyError(str(error)) from None

    # --- encrypting and decrypting ------------------------------------------------------------

    def encrypt(self, case_id: UUID, context: str, plaintext: bytes, *, create: bool, new: bool = False) -> bytes:
        key = self._key(case_id, create=create, new=new)
        if key is None:
            raise CaseKeyError(f"case {case_id} has no key any more: its personal data was erased")
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())

    def decrypt(self, case_id: UUID, context: str, ciphertext: bytes) -> bytes | None:
        key = self._key(case_id, create=False)
        if key is None:
            return None
        return AESGCM(key).decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], context.encode())

    def refresh(self) -> None:
        """Forget every key held in memory when any case key was destroyed since the last look.

        One indexed query; so a key destroyed by another process is not used here again.
        """
        with self._datastore.transaction(commit=False) as session:
            latest = session.execute(select(LATEST_DESTROYED)).scalar()
        self.refreshed(latest)

    def refreshed(self, latest: Any) -> None:
        """``refresh``, given ``LATEST_DESTROYED`` read by a query of another store (one query less)."""
        if latest != self._last_destroyed:
            self._cache.clear()
            self._last_destroyed = latest

    def preload(self, case_ids: Iterable[UUID]) -> None:
        """Fetch the keys of cases about to be read, one query for the lot (rebuilds read thousands)."""
        missing = [case_id for case_id in dict.fromkeys(case_ids) if case_id not in self._cache]
        for start in range(0, len(missing), self._cache_size):
            chunk = {str(case_id): case_id for case_id in missing[start:start + self._cache_size]}
            with self._datastore.transaction(commit=False) as session:
                rows = session.execute(
                    select(case_keys.c.case_id, case_keys.c.wrapped_key, case_keys.c.master_key_id,
                           case_keys.c.epoch)
                    .where(case_keys.c.case_id.in_(list(chunk)))
                ).all()
            for row in rows:
                # Destroyed keys and foreign master keys are left to _key, which says what is wrong.
                if row.wrapped_key is not None and row.master_key_id == self._master_id:
                    case_id = chunk[row.case_id]
                    self._remember(case_id, self._unwrap(case_id, row.epoch, row.wrapped_key))

    def destroy(self, case_id: UUID) -> None:
        """Destroy the case's key, in the current transaction (a new epoch must follow: ``rotate``)."""
        with self._datastore.transaction(commit=True) as session:
            session.execute(
                update(case_keys)
                .where(case_keys.c.case_id == str(case_id))
                .values(wrapped_key=None, destroyed_at=datetime.now(UTC))
            )
        self._cache.pop(case_id, None)

    def has_live_key(self, case_id: UUID) -> bool:
        """The case (or employee) has a key that is not destroyed."""
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(select(case_keys.c.wrapped_key).where(case_keys.c.case_id == str(case_id))).first()
        return row is not None and row.wrapped_key is not None

    def is_destroyed(self, case_id: UUID) -> bool:
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(select(case_keys.c.wrapped_key).where(case_keys.c.case_id == str(case_id))).first()
        return row is not None and row.wrapped_key is None

    # --- internals ----------------------------------------------------------------------------

    def _key(self, case_id: UUID, *, create: bool, new: bool = False) -> bytes | None:
        cached = self._cache.get(case_id)
        if cached is not None:
            self._cache.move_to_end(case_id)
            return cached
        if new and (batched := self._create_batched(case_id)) is not None:
            return batched
        if create:
            # A new case has no key to look up: insert one; an existing row (never, for a new
            # case) makes the insert do nothing, and the key is then read as for any case.
            created = self._create(case_id)
            if created is not None:
                return created
        try:
            return self._fetch(case_id, create=create)
        except EpochKeyMissing:
            # Another process began a new epoch and destroyed the old one between our reading
            # the row and its epoch's key: the row is re-wrapped by now, so read it again.
            pass
        try:
            return self._fetch(case_id, create=create)
        except EpochKeyMissing as error:
            raise CaseKeyError(str(error)) from None

    def _fetch(self, case_id: UUID, *, create: bool) -> bytes | None:
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(
                select(case_keys.c.wrapped_key, case_keys.c.master_key_id, case_keys.c.epoch)
                .where(case_keys.c.case_id == str(case_id))
            ).first()
        if row is None:
            if not create:
                raise CaseKeyError(f"case {case_id} has no key")
            # Another writer may have inserted it since the read: then read it again.
            return self._create(case_id) or self._fetch(case_id, create=False)
        if row.wrapped_key is None:
            return None
        if row.master_key_id != self._master_id:
            raise CaseKeyError("the configured master key is not the one the case keys were made with")
        key = self._unwrap(case_id, row.epoch, row.wrapped_key, missing_ok=False)
        self._remember(case_id, key)
        return key

    def _create(self, case_id: UUID) -> bytes | None:
        """A new key for ``case_id``, wrapped and inserted in the current transaction; None if it has one."""
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        with self._datastore.transaction(commit=True) as session:
            guess = self._current_epoch
            epoch_id = guess if guess in self._epoch_keys else self._epoch_for_wrapping(session)
            if not self._insert(session, case_id, epoch_id, key, datetime.now(UTC)):
                return None
            # The epoch is read after the INSERT, which began the write transaction (SQLite) and is
            # not visible to a rotation (PostgreSQL): a rotation that committed before this read is
            # seen by it, and one that had not waits for this transaction (the epoch is held
            # shared), then re-wraps this key. A key wrapped under a retired epoch is re-wrapped
            # here before it commits.
            current = self._epoch_for_wrapping(session)
            if current != epoch_id:
                session.execute(
                    update(case_keys).where(case_keys.c.case_id == str(case_id))
                    .values(epoch=current, wrapped_key=self._wrap(case_id, current, key))
                )
        self._current_epoch = current
        self._remember(case_id, key)
        return key

    def _create_batched(self, case_id: UUID) -> bytes | None:
        """A new case's key, added to the transaction's write batch; None if it cannot be.

        Wrapped under the epoch new keys were last wrapped under; the batch writes it only if
        that epoch is still the current one (read as it is written, held shared on PostgreSQL, so
        a rotation waits for this transaction, then re-wraps the key). If it is not, the
        batch has it written the slow way, re-wrapped under the current epoch (``_store``).
        """
        guess = self._current_epoch
        if guess is None or guess not in self._epoch_keys:
            return None  # the first key of a process: the epoch is read (``_create``)
        with self._datastore.transaction(commit=True) as session:
            batch = write_batch.pending(session)
            if batch is None or batch.holds(KEYS):
                return None
            key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
            created_at = datetime.now(UTC)
            batch.add(KEYS, [{
                "case_id": str(case_id), "master_key_id": self._master_id, "epoch": guess,
                "wrapped_key": self._wrap(case_id, guess, key), "created_at": created_at, "destroyed_at": None,
            }], expected=guess, otherwise=lambda refused: self._store(refused, case_id, key, created_at))
        self._remember(case_id, key)
        return key

    def _store(self, session: Any, case_id: UUID, key: bytes, created_at: datetime) -> None:
        """Write a new case's key wrapped under the current epoch (the batch refused the guess)."""
        current = self._epoch_for_wrapping(session)
        if not self._insert(session, case_id, current, key, created_at):
            raise CaseKeyError(f"case {case_id} has a key already; a new case cannot")
        self._current_epoch = current

    def _insert(self, session: Any, case_id: UUID, epoch_id: str, key: bytes, created_at: datetime) -> bool:
        """Insert ``key`` wrapped under ``epoch_id``; False if the case has a key row already."""
        return bool(session.execute(INSERT_KEY, {
            "case_id": str(case_id), "master_key_id": self._master_id, "epoch": epoch_id,
            "wrapped_key": self._wrap(case_id, epoch_id, key), "created_at": created_at,
        }).rowcount)

    def _wrap(self, case_id: UUID, epoch_id: str, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self._epoch_key(epoch_id)).encrypt(nonce, key, self._aad(case_id))

    def _epoch_for_wrapping(self, session: Any) -> str:
        """The current epoch, held shared until the transaction ends, so a rotation waits (PostgreSQL)."""
        query = _CURRENT_EPOCH_SHARED
        # A rotation that committed while this statement waited leaves it no row: ask once more.
        epoch_id = session.execute(query).scalar() or session.execute(query).scalar()
        if epoch_id is None:
            raise CaseKeyError("no key epoch: the key ring was not started")
        return str(epoch_id)

    def _remember(self, case_id: UUID, key: bytes) -> None:
        self._cache[case_id] = key
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _unwrap(self, case_id: UUID, epoch_id: str | None, wrapped: bytes, *, missing_ok: bool = True) -> bytes:
        if epoch_id is None:
            wrapper = self._master
        else:
            try:
                wrapper = AESGCM(self._epoch_key(epoch_id))
            except EpochKeyMissing as error:
                if not missing_ok:
                    raise
                raise CaseKeyError(str(error)) from None
        return wrapper.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], self._aad(case_id))

    @staticmethod
    def _aad(case_id: UUID) -> bytes:
        return b"breachtrail case key " + str(case_id).encode()
