"""Per-case data keys, wrapped by the installation's master key, in the event store's database.

Destroying a case's key (on erasure) leaves its personal data as ciphertext no one can open,
in the events, in every backup and copy. Keep the master key apart from the database and
backed up: without it no personal data can be read at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, select, update

logger = logging.getLogger(__name__)

metadata = MetaData()

case_keys = Table(
    "case_keys",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("master_key_id", String(16), nullable=False),
    Column("wrapped_key", LargeBinary),  # NULL once destroyed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True)),
)

KEY_BYTES = 32
NONCE_BYTES = 12


class CaseKeyError(LookupError):
    """A case key that should exist does not, or the master key does not fit."""


def master_key_id(master_key: bytes) -> str:
    return hashlib.sha256(b"breachtrail master key id" + master_key).hexdigest()[:16]


class SqlKeyRing:
    """Case keys in the ``case_keys`` table, written in the transaction of the case's events."""

    def __init__(self, datastore: Any, master_key: bytes, cache_size: int = 10_000):
        self._datastore = datastore
        self._master = AESGCM(master_key)
        self._master_id = master_key_id(master_key)
        self._cache: OrderedDict[UUID, bytes] = OrderedDict()
        self._cache_size = cache_size

    def create_tables(self) -> None:
        metadata.create_all(self._datastore.engine)

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

    def encrypt(self, case_id: UUID, context: str, plaintext: bytes, *, create: bool) -> bytes:
        key = self._key(case_id, create=create)
        if key is None:
            raise CaseKeyError(f"case {case_id} has no key any more: its personal data was erased")
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())

    def decrypt(self, case_id: UUID, context: str, ciphertext: bytes) -> bytes | None:
        key = self._key(case_id, create=False)
        if key is None:
            return None
        return AESGCM(key).decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], context.encode())

    def preload(self, case_ids: Iterable[UUID]) -> None:
        """Fetch the keys of cases about to be read, one query for the lot (rebuilds read thousands)."""
        missing = [case_id for case_id in dict.fromkeys(case_ids) if case_id not in self._cache]
        for start in range(0, len(missing), self._cache_size):
            chunk = {str(case_id): case_id for case_id in missing[start:start + self._cache_size]}
            with self._datastore.transaction(commit=False) as session:
                rows = session.execute(
                    select(case_keys.c.case_id, case_keys.c.wrapped_key, case_keys.c.master_key_id)
                    .where(case_keys.c.case_id.in_(list(chunk)))
                ).all()
            for row in rows:
                # Destroyed keys and foreign master keys are left to _key, which says what is wrong.
                if row.wrapped_key is not None and row.master_key_id == self._master_id:
                    case_id = chunk[row.case_id]
                    self._remember(case_id, self._unwrap(case_id, row.wrapped_key))

    def destroy(self, case_id: UUID) -> None:
        """Destroy the case's key, in the current transaction."""
        with self._datastore.transaction(commit=True) as session:
            session.execute(
                update(case_keys)
                .where(case_keys.c.case_id == str(case_id))
                .values(wrapped_key=None, destroyed_at=datetime.now(UTC))
            )
        self._cache.pop(case_id, None)

    def is_destroyed(self, case_id: UUID) -> bool:
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(select(case_keys.c.wrapped_key).where(case_keys.c.case_id == str(case_id))).first()
        return row is not None and row.wrapped_key is None

    def _key(self, case_id: UUID, *, create: bool) -> bytes | None:
        cached = self._cache.get(case_id)
        if cached is not None:
            self._cache.move_to_end(case_id)
            return cached
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(
                select(case_keys.c.wrapped_key, case_keys.c.master_key_id).where(case_keys.c.case_id == str(case_id))
            ).first()
        if row is None:
            if not create:
                raise CaseKeyError(f"case {case_id} has no key")
            return self._create(case_id)
        if row.wrapped_key is None:
            return None
        if row.master_key_id != self._master_id:
            raise CaseKeyError("the configured master key is not the one the case keys were made with")
        key = self._unwrap(case_id, row.wrapped_key)
        self._remember(case_id, key)
        return key

    def _create(self, case_id: UUID) -> bytes:
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        nonce = os.urandom(NONCE_BYTES)
        wrapped = nonce + self._master.encrypt(nonce, key, self._aad(case_id))
        with self._datastore.transaction(commit=True) as session:
            session.execute(
                case_keys.insert().values(
                    case_id=str(case_id), master_key_id=self._master_id, wrapped_key=wrapped,
                    created_at=datetime.now(UTC),
                )
            )
        self._remember(case_id, key)
        return key

    def _remember(self, case_id: UUID, key: bytes) -> None:
        self._cache[case_id] = key
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _unwrap(self, case_id: UUID, wrapped: bytes) -> bytes:
        return self._master.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], self._aad(case_id))

    @staticmethod
    def _aad(case_id: UUID) -> bytes:
        return b"breachtrail case key " + str(case_id).encode()
