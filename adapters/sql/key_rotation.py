"""Key epochs: beginning a new one, re-wrapping every surviving case key under it, pruning old ones.

Part of ``SqlKeyRing`` (``adapters.sql.keys``): an erasure destroys a case key and then begins
a new epoch, so that every older copy of the destroyed key (write-ahead log, free pages,
backups) is ciphertext under an epoch key that is destroyed in its turn, once no key needs it.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update

from adapters.sql.key_epochs import CaseKeyError, EpochKeyFiles, key_epochs, new_epoch_id
from adapters.sql.key_table import REWRAP, aware_utc, case_keys

logger = logging.getLogger(__name__)

NONCE_BYTES = 12


class KeyEpochRotation:
    """The epochs' half of the key ring; the ring holds the state named here."""

    _datastore: Any
    key_files: EpochKeyFiles
    backup_window: timedelta
    _epoch_keys: dict[str, bytes]
    _cache: OrderedDict[UUID, bytes]
    _current_epoch: str | None

    def _unwrap(self, case_id: UUID, epoch_id: str | None, wrapped: bytes, *, missing_ok: bool = True) -> bytes:
        raise NotImplementedError

    @staticmethod
    def _aad(case_id: UUID) -> bytes:
        raise NotImplementedError

    def current_epoch(self) -> str | None:
        with self._datastore.transaction(commit=False) as session:
            return session.execute(
                select(key_epochs.c.id).where(key_epochs.c.retired_at.is_(None))
                .order_by(key_epochs.c.created_at.desc()).limit(1)
            ).scalar()

    def needs_rotation(self) -> bool:
        """No epoch yet, a key destroyed since the current one began, or a key wrapped under another."""
        with self._datastore.transaction(commit=False) as session:
            current = session.execute(
                select(key_epochs.c.id, key_epochs.c.created_at).where(key_epochs.c.retired_at.is_(None))
                .order_by(key_epochs.c.created_at.desc()).limit(1)
            ).first()
            if current is None:
                return True
            stale = session.execute(
                select(case_keys.c.case_id).where(
                    (case_keys.c.destroyed_at >= current.created_at)
                    | (case_keys.c.wrapped_key.is_not(None)
                       & ((case_keys.c.epoch != current.id) | case_keys.c.epoch.is_(None)))
                ).limit(1)
            ).first()
        return stale is not None

    def rotate(self) -> str:
        """Start a new epoch: re-wrap every surviving case key under its key; then prune old epochs."""
        epoch_id = new_epoch_id()
        new_key = self.key_files.create(epoch_id)
        now = datetime.now(UTC)
        try:
            with self._datastore.transaction(commit=True) as session:
                # Retiring the current epoch waits for writers still wrapping under it (they hold it shared).
                session.execute(update(key_epochs).where(key_epochs.c.retired_at.is_(None)).values(retired_at=now))
                session.execute(key_epochs.insert().values(id=epoch_id, created_at=now))
                self._rewrap(session, epoch_id, new_key, case_keys.c.epoch.is_distinct_from(epoch_id))
        except BaseException:
            self.key_files.destroy(epoch_id)
            raise
        # The datastore lets a failed SQLite commit pass silently: make sure this one happened.
        if self.current_epoch() != epoch_id:
            self.key_files.destroy(epoch_id)
            raise CaseKeyError("a new key epoch could not be begun (the database was busy); it is retried "
                               "at the next erasure or start")
        self._epoch_keys = {epoch_id: new_key}
        self._current_epoch = epoch_id
        self._cache.clear()
        logger.info("key epoch %s began; every surviving case key is wrapped under it", epoch_id)
        self.prune(current=epoch_id)
        return epoch_id

    def prune(self, now: datetime | None = None, *, current: str | None = None) -> list[str]:
        """Destroy the key files of epochs retired longer ago than the backup window; their ids.

        ``current``: the current epoch, when the caller has just begun it (not read again).
        """
        cutoff = (now or datetime.now(UTC)) - self.backup_window
        with self._datastore.transaction(commit=False) as session:
            due = session.execute(
                select(key_epochs.c.id, key_epochs.c.retired_at).where(
                    key_epochs.c.retired_at.is_not(None), key_epochs.c.destroyed_at.is_(None))
            ).all()
        destroyed = []
        for row in due:
            if aware_utc(row.retired_at) > cutoff:
                continue
            current = current or self.current_epoch()
            assert current is not None
            with self._datastore.transaction(commit=True) as session:
                # A writer that wrapped under this epoch as it was retired: move its key on first.
                self._rewrap(session, current, self._epoch_key(current), case_keys.c.epoch == row.id)
                session.execute(update(key_epochs).where(key_epochs.c.id == row.id)
                                .values(destroyed_at=datetime.now(UTC)))
            if not self._unused(row.id):
                continue  # that commit did not happen; the next prune tries again
            self.key_files.destroy(row.id)
            self._epoch_keys.pop(row.id, None)
            if self._current_epoch == row.id:
                self._current_epoch = None
            destroyed.append(row.id)
        return destroyed

    def _unused(self, epoch_id: str) -> bool:
        """Marked destroyed, and no surviving case key wrapped under it (read afresh)."""
        used = select(case_keys.c.case_id).where(case_keys.c.epoch == epoch_id, case_keys.c.wrapped_key.is_not(None))
        with self._datastore.transaction(commit=False) as session:
            found = session.execute(
                select(key_epochs.c.destroyed_at, used.exists().label("used")).where(key_epochs.c.id == epoch_id)
            ).first()
        return found is not None and found.destroyed_at is not None and not found.used

    def _rewrap(self, session: Any, epoch_id: str, epoch_key: bytes, which: Any) -> None:
        rows = session.execute(
            select(case_keys.c.case_id, case_keys.c.epoch, case_keys.c.wrapped_key)
            .where(case_keys.c.wrapped_key.is_not(None), which)
        ).all()
        wrapper = AESGCM(epoch_key)
        rewrapped = []
        for row in rows:
            case_id = UUID(row.case_id)
            key = self._unwrap(case_id, row.epoch, row.wrapped_key)
            nonce = os.urandom(NONCE_BYTES)
            rewrapped.append({"key_case_id": row.case_id, "new_epoch": epoch_id,
                              "new_wrapped_key": nonce + wrapper.encrypt(nonce, key, self._aad(case_id))})
        if rewrapped:
            # One statement sent with every key's values (executemany), not one per surviving key.
            session.execute(REWRAP, rewrapped)

    def _epoch_key(self, epoch_id: str) -> bytes:
        key = self._epoch_keys.get(epoch_id)
        if key is None:
            key = self.key_files.load(epoch_id)
            self._epoch_keys[epoch_id] = key
        return key
