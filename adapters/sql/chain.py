"""The event chain's table, beside the events and written in their transactions."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, select

from service.integrity import Link

metadata = MetaData()

event_chain = Table(
    "event_chain",
    metadata,
    Column("notification_id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("link", String(64), nullable=False),
    Index("event_chain_case_idx", "case_id", "version"),
)


def chain_key(master_key: bytes) -> bytes:
    """The chain's HMAC key, derived from (and so guarded like) the master key."""
    return hmac.new(master_key, b"breachtrail event chain v1", hashlib.sha256).digest()


class SealSigner:
    """Ed25519, its private key derived from the master key: seals can be checked with the public key alone."""

    def __init__(self, master_key: bytes):
        seed = hmac.new(master_key, b"breachtrail seal signing key v1", hashlib.sha256).digest()
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, message: bytes) -> str:
        return self._private.sign(message).hex()

    def verify(self, message: bytes, signature: str, public_key: str) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(bytes.fromhex(signature), message)
        except (InvalidSignature, ValueError):
            return False
        return True


class SqlChainStore:
    def __init__(self, datastore: Any):
        self._datastore = datastore

    def create_tables(self) -> None:
        metadata.create_all(self._datastore.engine)
        # Also on a table made before the index was declared.
        for index in event_chain.indexes:
            index.create(self._datastore.engine, checkfirst=True)

    def head(self) -> Link | None:
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(
                select(event_chain).order_by(event_chain.c.notification_id.desc()).limit(1)
            ).first()
        return None if row is None else Link(row.notification_id, row.case_id, row.version, row.link)

    def append(self, links: Sequence[Link]) -> None:
        if not links:
            return
        with self._datastore.transaction(commit=True) as session:
            session.execute(
                event_chain.insert(),
                [{"notification_id": x.notification_id, "case_id": x.case_id, "version": x.version,
                  "link": x.link} for x in links],
            )

    def links(self, after: int, limit: int) -> list[Link]:
        with self._datastore.transaction(commit=False) as session:
            rows = session.execute(
                select(event_chain).where(event_chain.c.notification_id > after)
                .order_by(event_chain.c.notification_id).limit(limit)
            ).all()
        return [Link(r.notification_id, r.case_id, r.version, r.link) for r in rows]

    def case_links(self, case_id: str) -> list[Link]:
        with self._datastore.transaction(commit=False) as session:
            rows = session.execute(
                select(event_chain).where(event_chain.c.case_id == case_id).order_by(event_chain.c.notification_id)
            ).all()
        return [Link(r.notification_id, r.case_id, r.version, r.link) for r in rows]

    def link_at(self, notification_id: int) -> Link | None:
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(select(event_chain).where(event_chain.c.notification_id == notification_id)).first()
        return None if row is None else Link(row.notification_id, row.case_id, row.version, row.link)
