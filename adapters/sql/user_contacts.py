"""How to reach a user: e-mail address and language for reminders, and their calendar feed's secret.

Kept in tables of their own, keyed by user id, beside the users table rather than in it, so
existing installations get them by ``init-db`` without altering a table. A calendar secret,
like a token, is stored only as its SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from adapters.sql.users import UnknownUser, UserError, users_table
from domain.values import Role
from service.reminders import LANGUAGES, Recipient
from service.users import User

metadata = sa.MetaData()

user_contacts = sa.Table(
    "user_contacts",
    metadata,
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(254)),
    sa.Column("language", sa.String(2), nullable=False),
)

calendar_links = sa.Table(
    "calendar_links",
    metadata,
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
# A local part without spaces, brackets or separators, and a domain of at least two labels.
EMAIL_PATTERN = re.compile(rf"^[^@\s<>,;\"]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
DEFAULT_LANGUAGE = "da"


class InvalidContact(UserError):
    """An address or a language that cannot be used; nothing was stored."""


def check_contact(email: str | None, language: str | None) -> None:
    """Refuse an address that is not one, or a language other than da and en."""
    if email is not None and (len(email) > 254 or EMAIL_PATTERN.fullmatch(email) is None):
        raise InvalidContact(f"not an e-mail address: {email!r}", field="email")
    if language is not None and language not in LANGUAGES:
        raise InvalidContact(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}", field="language")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class UserContacts:
    """E-mail addresses, languages and calendar secrets of users."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def create_tables(self) -> None:
        metadata.create_all(self.engine)

    def set_contact(self, user_id: str, *, email: str | None = None, language: str | None = None) -> None:
        """Set a user's address and/or language (the other is kept); the user must exist."""
        check_contact(email, language)
        with self.engine.begin() as connection:
            if connection.execute(sa.select(users_table.c.id).where(users_table.c.id == user_id)).first() is None:
                raise UnknownUser(f"no user '{user_id}'")
            current = connection.execute(
                sa.select(user_contacts).where(user_contacts.c.user_id == user_id)
            ).first()
            if current is None:
                connection.execute(user_contacts.insert().values(
                    user_id=user_id, email=email, language=language or DEFAULT_LANGUAGE
                ))
            else:
                connection.execute(user_contacts.update().where(user_contacts.c.user_id == user_id).values(
                    email=email if email is not None else current.email,
                    language=language or current.language,
                ))

    def contact(self, user_id: str) -> tuple[str | None, str]:
        """The user's address (None: none) and language."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(user_contacts).where(user_contacts.c.user_id == user_id)).first()
        return (None, DEFAULT_LANGUAGE) if row is None else (row.email, row.language)

    def recipients(self) -> list[Recipient]:
        """Every active user with an e-mail address, ordered by id."""
        u, c = users_table.c, user_contacts.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(u.id, u.role, u.units, c.email, c.language)
                .join(user_contacts, c.user_id == u.id)
                .where(u.revoked_at.is_(None), c.email.is_not(None), u.role.in_(["manager", "hr"]))
                .order_by(u.id)
            ).all()
        return [Recipient(User(r.id, Role(r.role), frozenset(r.units)), r.email, r.language) for r in rows]

    def link_calendar(self, user_id: str) -> str:
        """A new calendar secret for the user (any earlier one stops working); returned once."""
        secret = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            if connection.execute(sa.select(users_table.c.id).where(users_table.c.id == user_id)).first() is None:
                raise UnknownUser(f"no user '{user_id}'")
            connection.execute(calendar_links.delete().where(calendar_links.c.user_id == user_id))
            connection.execute(calendar_links.insert().values(
                user_id=user_id, secret_sha256=_digest(secret), created_at=datetime.now(UTC)
            ))
        return secret

    def revoke_calendar(self, user_id: str) -> bool:
        """Stop the user's calendar feed; False when they had none."""
        with self.engine.begin() as connection:
            result = connection.execute(calendar_links.delete().where(calendar_links.c.user_id == user_id))
        return bool(result.rowcount)

    def calendar_user(self, secret: str) -> tuple[User, str] | None:
        """The active caseworker whose feed ``secret`` opens, with their language; else None."""
        if _SECRET_PATTERN.fullmatch(secret) is None:
            return None
        u, k = users_table.c, calendar_links.c
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(u.id, u.role, u.units, user_contacts.c.language)
                .join(calendar_links, k.user_id == u.id)
                .outerjoin(user_contacts, user_contacts.c.user_id == u.id)
                .where(k.secret_sha256 == _digest(secret), u.revoked_at.is_(None))
            ).first()
        if row is None or row.role not in {"manager", "hr"}:
            return None
        return User(row.id, Role(row.role), frozenset(row.units)), row.language or DEFAULT_LANGUAGE
