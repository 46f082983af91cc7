"""Users and their bearer tokens, in SQLAlchemy tables beside the events.

A token is ``bt_`` followed by 43 URL-safe characters (32 random bytes); the prefix lets
secret scanners recognise a leaked one. Only a SHA-256 digest of the token is stored. A slow
password hash (bcrypt, argon2) protects low-entropy passwords against guessing; a token of
256 random bits cannot be guessed, so a fast digest is the accepted practice, and it lets
the digest be indexed so a request costs one lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex, CreateTable

from domain.values import Role, is_unit_slug
from service.user_accounts import Grant, normalise_user_id
from service.users import User

TOKEN_PREFIX = "bt_"
TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters; longer tokens are accepted, absurd ones are not hashed.
_TOKEN_PATTERN = re.compile(rf"^{TOKEN_PREFIX}[A-Za-z0-9_-]{{43,128}}$")

USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
USER_ID_RULE = "1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit"

USERS_TABLE = "users"
# Any constant will do: it names the PostgreSQL advisory lock that serialises creating the tables.
_CREATE_TABLES_LOCK = 0x62745F7573657273

metadata = sa.MetaData()

users_table = sa.Table(
    USERS_TABLE,
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("units", sa.JSON, nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('manager', 'hr', 'rep')", name="users_role_known"),
    sa.Index("users_token_sha256_idx", "token_sha256", unique=True),
)

#: The active user holding a token's digest (built once: a request only binds the digest).
_AUTHENTICATE = (
    sa.select(users_table.c.id, users_table.c.role, users_table.c.units, users_table.c.token_sha256)
    .where(users_table.c.token_sha256 == sa.bindparam("digest"), users_table.c.revoked_at.is_(None))
)


class UserError(ValueError):
    """A user cannot be added or changed as asked; nothing was stored.

    ``field`` names the input at fault and ``problem`` what is wrong with it, so that a page can
    say it in its reader's language.
    """

    def __init__(self, message: str, *, field: str = "user_id", problem: str = "invalid"):
        super().__init__(message)
        self.field = field
        self.problem = problem


class InvalidUser(UserError):
    """The user's id, role or units are not acceptable."""


class UserExists(UserError):
    """A user with that id exists already (revoked users keep their id)."""

    def __init__(self, message: str):
        super().__init__(message, problem="exists")


class UnknownUser(UserError, LookupError):
    """No user has that id."""

    def __init__(self, message: str):
        super().__init__(message, problem="unknown")


@dataclass(frozen=True)
class UserAccount:
    """What may be shown about a user: never a token or its hash."""

    id: str
    role: Role
    units: frozenset[str]
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def token_digest(token: str) -> str:
    """The stored form of a token: its SHA-256 digest in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh bearer token: the prefix and 32 random bytes, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


class UserStore:
    """Adds, authenticates, lists and revokes users; every answer comes from the database."""

    def __init__(self, engine: sa.Engine, datastore: Any = None):
        self.engine = engine
        # One SELECT needs no transaction: on PostgreSQL that spares a BEGIN and a ROLLBACK per
        # request; it still reads the committed rows of the moment, so a revocation counts at once.
        self._reader = (engine.execution_options(isolation_level="AUTOCOMMIT")
                        if engine.dialect.name == "postgresql" else engine)
        # Given: writes join the event store's transaction, so a grant's event and its row commit together.
        self._datastore = datastore

    @contextmanager
    def _writing(self) -> Iterator[Any]:
        if self._datastore is None:
            with self.engine.begin() as connection:
                yield connection
        else:
            with self._datastore.transaction(commit=True) as session:
                yield session

    def create_tables(self) -> None:
        """Create the user tables unless they exist; safe when several processes start at once."""
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Concurrent CREATE TABLEs collide on pg_type; the lock makes the others wait and
                # then find the tables there. It is released when this transaction ends.
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_TABLES_LOCK})
            # IF NOT EXISTS, because on SQLite the DDL runs outside a transaction and a check
            # followed by CREATE could still race another process.
            for table in metadata.sorted_tables:
                connection.execute(CreateTable(table, if_not_exists=True))
                for index in sorted(table.indexes, key=lambda index: str(index.name)):
                    connection.execute(CreateIndex(index, if_not_exists=True))

    def add(self, user_id: str, role: Role, units: Iterable[str]) -> str:
        """Store a new user and return their token, in plaintext for the only time."""
        unit_set = _checked_units(role, units)
        _check_user_id(user_id)
        user_id = normalise_user_id(user_id)
        if self._account(user_id) is not None:
            raise UserExists(f"a user '{user_id}' exists already")
        token = new_token()
        try:
            with self._writing() as connection:
                connection.execute(
                    users_table.insert().values(
                        id=user_id,
                        role=role.value,
                        units=sorted(unit_set),
                        token_sha256=token_digest(token),
                        created_at=datetime.now(UTC),
                        revoked_at=None,
                    )
                )
        except IntegrityError:
            if self._account(user_id) is not None:
                raise UserExists(f"a user '{user_id}' exists already") from None
            raise
        return token

    def authenticate(self, token: str) -> User | None:
        """The active user holding ``token``, or None for an unknown, malformed or revoked one."""
        if not isinstance(token, str) or _TOKEN_PATTERN.fullmatch(token) is None:
            return None
        digest = token_digest(token)
        with self._reader.connect() as connection:
            row = connection.execute(_AUTHENTICATE, {"digest": digest}).first()
        # The lookup compares digests, so its timing says nothing about the token itself; the
        # constant-time comparison keeps the final check free of any such doubt.
        if row is None or not hmac.compare_digest(row.token_sha256, digest):
            return None
        return User(id=normalise_user_id(row.id), role=Role(row.role), units=frozenset(row.units))

    def active_user(self, user_id: str) -> User | None:
        """The user with this id unless revoked: asked on every page, so one prepared query, sent
        in autocommit (one statement needs no transaction: no ROLLBACK to wait for on PostgreSQL)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            row = connection.execute(_ACTIVE_USER, {"user_id": normalise_user_id(user_id)}).first()
        return None if row is None else User(id=normalise_user_id(row.id), role=Role(row.role),
                                             units=frozenset(row.units))

    def revoke(self, user_id: str) -> bool:
        """Revoke a user's access at once; False when no such user exists.

        Revoking a revoked user changes nothing and keeps the first revocation time.
        """
        user_id = normalise_user_id(user_id)
        with self._writing() as connection:
            result = connection.execute(
                users_table.update()
                .where(sa.func.lower(users_table.c.id) == user_id, users_table.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            if result.rowcount:
                return True
        return self._account(user_id) is not None

    def change(self, user_id: str, role: Role, units: Iterable[str]) -> None:
        """Give a user another role or other units; their token keeps working."""
        unit_set = _checked_units(role, units)
        with self.engine.begin() as connection:
            result = connection.execute(
                users_table.update().where(users_table.c.id == user_id)
                .values(role=role.value, units=sorted(unit_set))
            )
        if not result.rowcount:
            raise UnknownUser(f"no user '{user_id}'")

    def issue_token(self, user_id: str) -> str:
        """Give a user a new token, which replaces the old one at once; returns it in plaintext.

        A revoked user gets their access back with the new token.
        """
        user_id = normalise_user_id(user_id)
        token = new_token()
        with self._writing() as connection:
            result = connection.execute(
                users_table.update()
                .where(sa.func.lower(users_table.c.id) == user_id)
                .values(token_sha256=token_digest(token), revoked_at=None)
            )
        if not result.rowcount:
            raise UnknownUser(f"no user '{user_id}'")
        return token

    def update_grant(self, user_id: str, role: Role, units: Iterable[str]) -> None:
        """Change a user's role and units (in the current transaction)."""
        unit_set = _checked_units(role, units)
        user_id = normalise_user_id(user_id)
        with self._writing() as connection:
            result = connection.execute(
                users_table.update().where(sa.func.lower(users_table.c.id) == user_id)
                .values(role=role.value, units=sorted(unit_set))
            )
        if not result.rowcount:
            raise UnknownUser(f"no user '{user_id}'")

    def grants(self) -> dict[str, Grant]:
        """Every user's role, units and revocation as the table has them."""
        return {
            account.id: Grant(account.id, account.role.value, account.units, account.revoked_at is not None)
            for account in self.list_users()
        }

    def list_users(self) -> list[UserAccount]:
        """Every user, active or revoked, ordered by id."""
        with self.engine.connect() as connection:
            rows = connection.execute(_account_query().order_by(users_table.c.id)).all()
        return [_account_from(row) for row in rows]

    def account(self, user_id: str) -> UserAccount | None:
        """The user with this id, active or revoked; None when there is none."""
        return self._account(user_id)

    def _account(self, user_id: str) -> UserAccount | None:
        user_id = normalise_user_id(user_id)
        with self.engine.connect() as connection:
            row = connection.execute(_account_query().where(sa.func.lower(users_table.c.id) == user_id)).first()
        return None if row is None else _account_from(row)


def _check_user_id(user_id: str) -> None:
    if not isinstance(user_id, str) or USER_ID_PATTERN.fullmatch(user_id) is None:
        raise InvalidUser(f"invalid user id {user_id!r}: use {USER_ID_RULE}")


def _checked_units(role: Role, units: Iterable[str]) -> frozenset[str]:
    if not isinstance(role, Role):
        raise InvalidUser(f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}", field="role")
    # A bare string is iterable too, and would silently become a set of one-letter units.
    if isinstance(units, str | bytes):
        raise InvalidUser("units must be a collection of unit names, not a single string", field="units")
    unit_set = frozenset(units)
    bad = sorted(repr(unit) for unit in unit_set if not isinstance(unit, str) or not is_unit_slug(unit))
    if bad:
        raise InvalidUser(
            f"not unit names: {', '.join(bad)} (use lowercase letters, digits and hyphens, e.g. dagtilbud-nord)",
            field="units",
        )
    if role is Role.MANAGER and not unit_set:
        raise InvalidUser("a manager needs at least one unit", field="units", problem="missing")
    if role is not Role.MANAGER and unit_set:
        raise InvalidUser(f"a user with role '{role.value}' has no units: only managers do", field="units",
                          problem="not_a_manager")
    return unit_set


def _account_query() -> sa.Select[tuple[str, str, list[str], datetime, datetime | None]]:
    t = users_table.c
    return sa.select(t.id, t.role, t.units, t.created_at, t.revoked_at)


# Built once: building the select for each page's check cost more than running it.
_ACTIVE_USER = sa.select(users_table.c.id, users_table.c.role, users_table.c.units).where(
    sa.func.lower(users_table.c.id) == sa.bindparam("user_id"), users_table.c.revoked_at.is_(None))


def _account_from(row: sa.Row[tuple[str, str, list[str], datetime, datetime | None]]) -> UserAccount:
    return UserAccount(
        id=normalise_user_id(row.id),
        role=Role(row.role),
        units=frozenset(row.units),
        created_at=_utc(row.created_at),
        revoked_at=None if row.revoked_at is None else _utc(row.revoked_at),
    )


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no offset: what we wrote there was UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
