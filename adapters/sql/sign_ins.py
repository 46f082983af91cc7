"""One-time sign-in links, and the sign-ins refused because nobody in the register had that identity.

A link's secret is 32 random bytes; like a token it cannot be guessed, so only its SHA-256
digest is stored. A link works once and for a short while: using it is one conditional
UPDATE (unused and unexpired), so two browsers racing with the same link cannot both get in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable

LINK_LIFETIME = timedelta(minutes=15)
SECRET_BYTES = 32
_SECRET_MAX_LENGTH = 128

metadata = sa.MetaData()

sign_in_links = sa.Table(
    "sign_in_links",
    metadata,
    sa.Column("secret_sha256", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("sign_in_links_user_idx", "user_id"),
)

refused_sign_ins = sa.Table(
    "refused_sign_ins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("issuer", sa.String(512), nullable=False),
    sa.Column("claim", sa.String(64), nullable=False),
    sa.Column("identity", sa.String(256), nullable=False),
)


@dataclass(frozen=True)
class RefusedSignIn:
    at: datetime
    issuer: str
    claim: str
    identity: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class SignIns:
    """Issues and redeems sign-in links; records refused identities."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def create_tables(self) -> None:
        with self.engine.begin() as connection:
            for table in metadata.sorted_tables:
                connection.execute(CreateTable(table, if_not_exists=True))
                for index in sorted(table.indexes, key=lambda index: str(index.name)):
                    connection.execute(CreateIndex(index, if_not_exists=True))

    def issue_link(self, user_id: str, *, now: datetime | None = None) -> str:
        """A new link secret for ``user_id``, valid once within ``LINK_LIFETIME``; shown only now."""
        now = now or datetime.now(UTC)
        secret = secrets.token_urlsafe(SECRET_BYTES)
        with self.engine.begin() as connection:
            connection.execute(sign_in_links.insert().values(
                secret_sha256=_digest(secret), user_id=user_id, created_at=now,
                expires_at=now + LINK_LIFETIME, used_at=None,
            ))
        return secret

    def link_user(self, secret: str, *, now: datetime | None = None) -> str | None:
        """Whose link this is, if it is still usable; reading it does not use it up."""
        if not _plausible(secret):
            return None
        now = now or datetime.now(UTC)
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(sign_in_links.c.user_id, sign_in_links.c.expires_at)
                .where(sign_in_links.c.secret_sha256 == _digest(secret), sign_in_links.c.used_at.is_(None))
            ).first()
        if row is None or _utc(row.expires_at) <= now:
            return None
        return str(row.user_id)

    def redeem_link(self, secret: str, *, now: datetime | None = None) -> str | None:
        """Use the link up and say whose it was; None when unknown, used or expired."""
        if not _plausible(secret):
            return None
        now = now or datetime.now(UTC)
        user_id = self.link_user(secret, now=now)
        if user_id is None:
            return None
        with self.engine.begin() as connection:
            used = connection.execute(
                sign_in_links.update()
                .where(sign_in_links.c.secret_sha256 == _digest(secret), sign_in_links.c.used_at.is_(None))
                .values(used_at=now)
            ).rowcount
        return user_id if used == 1 else None

    def record_refusal(self, issuer: str, claim: str, identity: str, *, now: datetime | None = None) -> None:
        with self.engine.begin() as connection:
            connection.execute(refused_sign_ins.insert().values(
                at=now or datetime.now(UTC), issuer=issuer[:512], claim=claim[:64], identity=identity[:256],
            ))

    def refusals(self, limit: int = 100) -> list[RefusedSignIn]:
        """The latest refused sign-ins, newest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(refused_sign_ins).order_by(refused_sign_ins.c.id.desc()).limit(limit)
            ).all()
        return [RefusedSignIn(_utc(r.at), r.issuer, r.claim, r.identity) for r in rows]


def _plausible(secret: str) -> bool:
    return isinstance(secret, str) and 0 < len(secret) <= _SECRET_MAX_LENGTH
