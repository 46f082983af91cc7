"""The event chain's table, beside the events and written in their transactions."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, bindparam, select, text
from sqlalchemy.sql.elements import TextClause

from adapters.sql import write_batch
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
            rows = [{"notification_id": x.notification_id, "case_id": x.case_id, "version": x.version,
                     "link": x.link} for x in links]
            batch = write_batch.pending(session)
            if batch is not None:
                batch.add(LINKS, rows)  # sent with the rest of the command's writes
            else:
                session.execute(event_chain.insert(), rows)

    def append_after(self, links: Sequence[Link], previous: int) -> bool:
        """Store links only if the newest stored link is at ``previous``; whether they were stored.

        One statement: the guess of the chain's head and the write, together (``EventChain.extend``);
        in a batched transaction, the statement that also sends the command's other rows.
        """
        if not links:
            return True
        with self._datastore.transaction(commit=True) as session:
            batch = write_batch.pending(session)
            if batch is not None:
                batch.add(LINKS, [{"notification_id": x.notification_id, "case_id": x.case_id,
                                   "version": x.version, "link": x.link} for x in links])
                return batch.flush(session, previous)
        values: dict[str, Any] = {"previous": previous}
        for index, x in enumerate(links):
            values.update({f"n{index}": x.notification_id, f"c{index}": x.case_id, f"v{index}": x.version,
                           f"l{index}": x.link})
        with self._datastore.transaction(commit=True) as session:
            return bool(session.execute(_append_after(len(links)), values).rowcount)

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


#: Links in a write batch: written only when the newest stored link is the batch's ``previous``.
LINKS = write_batch.register(write_batch.Part(
    event_chain, "", guard="(SELECT COALESCE(MAX(notification_id), 0) FROM event_chain)"))


@cache
def _append_after(count: int) -> TextClause:
    """INSERT of ``count`` links, done only when the newest stored link is at ``:previous``."""
    rows = ", ".join(f"(:n{i}, :c{i}, :v{i}, :l{i})" for i in range(count))
    statement = text(
        "INSERT INTO event_chain (notification_id, case_id, version, link) "
        f"SELECT column1, column2, column3, column4 FROM (VALUES {rows}) AS new_links "
        "WHERE (SELECT COALESCE(MAX(notification_id), 0) FROM event_chain) = :previous"
    )
    types = {"n": event_chain.c.notification_id.type, "c": event_chain.c.case_id.type,
             "v": event_chain.c.version.type, "l": event_chain.c.link.type}
    return statement.bindparams(
        bindparam("previous", type_=event_chain.c.notification_id.type),
        *(bindparam(f"{name}{i}", type_=kind) for i in range(count) for name, kind in types.items()),
    )
