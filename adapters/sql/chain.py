"""The chains' tables, beside the events they seal and written in their transactions.

``event_chain`` seals the case application's events (cases, staff, users' grants);
``policy_chain`` the policy application's (``policies_events``), with the same construction
and key: each application has its own log, so each has its own chain.
"""

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



def _chain_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("notification_id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
        Column("case_id", String(36), nullable=False),  # the aggregate's id (a case, a user, a policy)
        Column("version", Integer, nullable=False),
        Column("link", String(64), nullable=False),
        Index(f"{name}_case_idx", "case_id", "version"),
    )


event_chain = _chain_table("event_chain")
policy_chain = _chain_table("policy_chain")


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
    """A chain's links in ``table`` (``event_chain`` or ``policy_chain``), in the events' transactions."""

    def __init__(self, datastore: Any, table: Table = event_chain):
        self._datastore = datastore
        self._table = table

    def create_tables(self) -> None:
        metadata.create_all(self._datastore.engine, tables=[self._table])
        # Also on a table made before the index was declared.
        for index in self._table.indexes:
            index.create(self._datastore.engine, checkfirst=True)

    def head(self) -> Link | None:
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(
                select(self._table).order_by(self._table.c.notification_id.desc()).limit(1)
            ).first()
        return None if row is None else Link(row.notification_id, row.case_id, row.version, row.link)

    def append(self, links: Sequence[Link]) -> None:
        if not links:
            return
        with self._datastore.transaction(commit=True) as session:
            rows = [{"notification_id": x.notification_id, "case_id": x.case_id, "version": x.version,
                     "link": x.link} for x in links]
            batch = write_batch.pending(session) if self._table is event_chain else None
            if batch is not None:
                batch.add(LINKS, rows)  # sent with the rest of the command's writes
            else:
                session.execute(self._table.insert(), rows)

    def append_after(self, links: Sequence[Link], previous: int) -> bool:
        """Store links only if the newest stored link is at ``previous``; whether they were stored.

        One statement: the guess of the chain's head and the write, together (``EventChain.extend``);
        in a batched transaction, the statement that also sends the command's other rows.
        """
        if not links:
            return True
        with self._datastore.transaction(commit=True) as session:
            batch = write_batch.pending(session) if self._table is event_chain else None
            if batch is not None:
                batch.add(LINKS, [{"notification_id": x.notification_id, "case_id": x.case_id,
                                   "version": x.version, "link": x.link} for x in links])
                return batch.flush(session, previous)
        values: dict[str, Any] = {"previous": previous}
        for index, x in enumerate(links):
            values.update({f"n{index}": x.notification_id, f"c{index}": x.case_id, f"v{index}": x.version,
                           f"l{index}": x.link})
        with self._datastore.transaction(commit=True) as session:
            return bool(session.execute(_append_after(self._table.name, len(links)), values).rowcount)

    def links(self, after: int, limit: int) -> list[Link]:
        with self._datastore.transaction(commit=False) as session:
            rows = session.execute(
                select(self._table).where(self._table.c.notification_id > after)
                .order_by(self._table.c.notification_id).limit(limit)
            ).all()
        return [Link(r.notification_id, r.case_id, r.version, r.link) for r in rows]

    def case_links(self, case_id: str) -> list[Link]:
        with self._datastore.transaction(commit=False) as session:
            rows = session.execute(
                select(self._table).where(self._table.c.case_id == case_id).order_by(self._table.c.notification_id)
            ).all()
        return [Link(r.notification_id, r.case_id, r.version, r.link) for r in rows]

    def link_at(self, notification_id: int) -> Link | None:
        with self._datastore.transaction(commit=False) as session:
            row = session.execute(select(self._table).where(self._table.c.notification_id == notification_id)).first()
        return None if row is None else Link(row.notification_id, row.case_id, row.version, row.link)


#: Links in a write batch: written only when the newest stored link is the batch's ``previous``.
LINKS = write_batch.register(write_batch.Part(
    event_chain, "", guard="(SELECT COALESCE(MAX(notification_id), 0) FROM event_chain)"))


@cache
def _append_after(table_name: str, count: int) -> TextClause:
    """INSERT of ``count`` links, done only when the newest stored link is at ``:previous``."""
    rows = ", ".join(f"(:n{i}, :c{i}, :v{i}, :l{i})" for i in range(count))
    statement = text(
        f"INSERT INTO {table_name} (notification_id, case_id, version, link) "
        f"SELECT column1, column2, column3, column4 FROM (VALUES {rows}) AS new_links "
        f"WHERE (SELECT COALESCE(MAX(notification_id), 0) FROM {table_name}) = :previous"
    )
    types = {"n": event_chain.c.notification_id.type, "c": event_chain.c.case_id.type,
             "v": event_chain.c.version.type, "l": event_chain.c.link.type}
    return statement.bindparams(
        bindparam("previous", type_=event_chain.c.notification_id.type),
        *(bindparam(f"{name}{i}", type_=kind) for i in range(count) for name, kind in types.items()),
    )
