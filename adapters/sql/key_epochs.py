"""Key epochs: the keys that wrap the case keys live outside the database, and are destroyed.

Setting a wrapped case key to NULL destroys nothing: the old row lives on in SQLite's
write-ahead log and free pages, in PostgreSQL's dead tuples and WAL archives, and in every
backup. So a case key is wrapped by the key of an *epoch*, kept in a file outside the
database (itself wrapped by the master key). An erasure starts a new epoch: every surviving
case key is re-wrapped under the new epoch's key, and the old epoch's key file is destroyed
once no backup within the configured window needs it. From then on every old copy of the
erased case's key, wherever the database left it, is ciphertext under a key that no longer
exists.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, DateTime, MetaData, String, Table

metadata = MetaData()

key_epochs = Table(
    "key_epochs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),  # NULL: the current epoch
    Column("destroyed_at", DateTime(timezone=True)),  # its key file is gone
)

EPOCH_KEY_BYTES = 32
NONCE_BYTES = 12


class CaseKeyError(LookupError):
    """A case key that should exist does not, or the master key does not fit."""


class EpochKeyMissing(LookupError):
    """An epoch's key file is not there: destroyed, or the key folder is not this installation's."""


@dataclass(frozen=True)
class Epoch:
    id: str
    created_at: datetime
    retired_at: datetime | None


def new_epoch_id() -> str:
    return secrets.token_hex(16)


class EpochKeyFiles:
    """One file per epoch key in a folder of its own (0700), each file 0600, wrapped by the master key.

    The folder should not be backed up with the database: a backup must not carry the keys
    that a later erasure destroys. Its default place beside the database suits a trial only.
    """

    def __init__(self, folder: Path, master_key: bytes):
        self.folder = folder
        self._master = AESGCM(master_key)

    def path(self, epoch_id: str) -> Path:
        return self.folder / f"epoch-{epoch_id}.key"

    def create(self, epoch_id: str) -> bytes:
        """Make and store a new epoch key, synced to disk before it wraps anything."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=EPOCH_KEY_BYTES * 8)
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._master.encrypt(nonce, key, self._aad(epoch_id))
        descriptor = os.open(self.path(epoch_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, sealed)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        _sync_folder(self.folder)
        return key

    def load(self, epoch_id: str) -> bytes:
        try:
            sealed = self.path(epoch_id).read_bytes()
        except FileNotFoundError:
            raise EpochKeyMissing(
                f"the key of epoch {epoch_id} is not in {self.folder}: it was destroyed after an erasure, "
                "or BREACHTRAIL_KEY_DIR does not point at this installation's keys"
            ) from None
        try:
            return self._master.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self._aad(epoch_id))
        except InvalidTag:
            raise EpochKeyMissing(f"the key file of epoch {epoch_id} does not open with this master key") from None

    def destroy(self, epoch_id: str) -> None:
        """Overwrite, sync and unlink the epoch's key file (harmless when it is gone already)."""
        path = self.path(epoch_id)
        try:
            descriptor = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            return
        try:
            size = os.fstat(descriptor).st_size
            os.write(descriptor, bytes(size))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        path.unlink(missing_ok=True)
        _sync_folder(self.folder)

    @staticmethod
    def _aad(epoch_id: str) -> bytes:
        return b"breachtrail epoch key " + epoch_id.encode()


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
