"""Access grants under the event store: who gave which role and units to whom, and when.

Every change to a user's access is an event of the user's ``UserAccount``, stored in the
event store beside the cases, so the tamper-evident chain covers it and ``verify`` can
recompute the users table (the read model authentication uses) from it. The users table
is written in the same transaction as the events. The command line acts as the system
actor ``system:cli``; the web application's user administration will act as its HR user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from domain.values import Role
from service.errors import AccessDenied, ServiceError
from service.users import User

SYSTEM_CLI = User("system:cli", Role.HR)
SYSTEM_UPGRADE = User("system:upgrade", Role.HR)  # records grants made before they were events
_NAMESPACE = uuid5(NAMESPACE_URL, "https://breachtrail/user-accounts")


def normalise_user_id(user_id: str) -> str:
    """User ids that differ only by case are one user: ``MGRB`` is ``mgrb``."""
    return user_id.strip().lower() if isinstance(user_id, str) else user_id


def account_id(user_id: str) -> UUID:
    return uuid5(_NAMESPACE, normalise_user_id(user_id))


class UserAccount(Aggregate):
    """One user's grants: role, units, and whether access is revoked; each change with its actor."""

    @event("UserAdded")
    def __init__(self, user_id: str, role: str, units: list[str], actor_id: str, actor_role: str) -> None:
        self.user_id = user_id
        self.role = role
        self.units = units
        self.revoked = False

    @classmethod
    def create_id(cls, user_id: str, **_: Any) -> UUID:
        return account_id(user_id)

    @event("RoleChanged")
    def change_role(self, role: str, units: list[str], actor_id: str, actor_role: str) -> None:
        self.role = role
        self.units = units

    @event("UnitsChanged")
    def change_units(self, units: list[str], actor_id: str, actor_role: str) -> None:
        self.units = units

    @event("UserRevoked")
    def revoke(self, actor_id: str, actor_role: str) -> None:
        self.revoked = True

    @event("TokenIssued")
    def issue_token(self, actor_id: str, actor_role: str) -> None:
        # A new token lets a revoked user back in; the token itself is never in an event.
        self.revoked = False


class UnknownUserAccount(ServiceError, LookupError):
    """No grant of that user is recorded."""


@dataclass(frozen=True)
class Grant:
    """What the events say a user may do."""

    user_id: str
    role: str
    units: frozenset[str]
    revoked: bool


@dataclass(frozen=True)
class GrantEntry:
    """One change of a user's access, for its history."""

    type: str
    at: datetime
    actor: dict[str, str]
    data: dict[str, Any]


class UserRegister(Protocol):
    """The users table: the read model of grants, with the token digests authentication needs."""

    def add(self, user_id: str, role: Role, units: Iterable[str]) -> str:
        """Store a new user (in the current transaction) and return their token."""
        ...

    def update_grant(self, user_id: str, role: Role, units: Iterable[str]) -> None:
        ...

    def revoke(self, user_id: str) -> bool:
        ...

    def issue_token(self, user_id: str) -> str:
        ...

    def grants(self) -> dict[str, Grant]:
        """Every user's grant as the table has it."""
        ...


class UserAdministration:
    """Adds users, changes and revokes their access, and tells each user's history."""

    def __init__(self, application: Any, register: UserRegister,
                 transaction: Callable[[], Any]):
        self._app = application
        self._register = register
        self._transaction = transaction

    def add_user(self, actor: User, user_id: str, role: Role, units: Iterable[str]) -> str:
        """Add a user; their token, in plaintext for the only time."""
        _require_hr(actor)
        user_id = normalise_user_id(user_id)
        unit_list = sorted(set(units)) if not isinstance(units, str | bytes) else units
        with self._transaction():
            token = self._register.add(user_id, role, unit_list)  # checks the id, role and units
            self._app.save(UserAccount(user_id=user_id, role=role.value, units=list(unit_list),
                                       actor_id=actor.id, actor_role=actor.role.value))
        return token

    def change_user(self, actor: User, user_id: str, *, role: Role | None = None,
                    units: Iterable[str] | None = None) -> None:
        _require_hr(actor)
        user_id = normalise_user_id(user_id)
        account = self._account(user_id)
        new_role = role or Role(account.role)
        new_units = sorted(set(units)) if units is not None else list(account.units)
        if new_role.value != account.role and units is None and new_role is not Role.MANAGER:
            new_units = []
        with self._transaction():
            self._register.update_grant(user_id, new_role, new_units)
            if new_role.value != account.role:
                account.change_role(role=new_role.value, units=new_units, actor_id=actor.id,
                                    actor_role=actor.role.value)
            elif new_units != list(account.units):
                account.change_units(units=new_units, actor_id=actor.id, actor_role=actor.role.value)
            self._app.save(account)

    def revoke_user(self, actor: User, user_id: str) -> bool:
        """Revoke at once; False when there is no such user."""
        _require_hr(actor)
        user_id = normalise_user_id(user_id)
        with self._transaction():
            known = self._register.revoke(user_id)
            if known:
                account = self._account(user_id)
                if not account.revoked:
                    account.revoke(actor_id=actor.id, actor_role=actor.role.value)
                    self._app.save(account)
        return known

    def issue_token(self, actor: User, user_id: str) -> str:
        _require_hr(actor)
        user_id = normalise_user_id(user_id)
        with self._transaction():
            token = self._register.issue_token(user_id)
            account = self._account(user_id)
            account.issue_token(actor_id=actor.id, actor_role=actor.role.value)
            self._app.save(account)
        return token

    def user_history(self, user_id: str) -> list[GrantEntry]:
        """Every change of the user's access, oldest first."""
        entries = []
        for stored in self._app.events.get(account_id(user_id)):
            data = {k: v for k, v in vars(stored).items()
                    if k not in {"originator_id", "originator_version", "timestamp", "actor_id", "actor_role",
                                 "originator_topic"}}
            entries.append(GrantEntry(type(stored).__name__, stored.timestamp,
                                      {"id": stored.actor_id, "role": stored.actor_role}, data))
        return entries

    def differences(self) -> list[str]:
        """Where the users table differs from what the grant events say (empty: none)."""
        table = self._register.grants()
        problems = []
        for user_id, grant in sorted(table.items()):
            try:
                account: UserAccount = self._app.repository.get(account_id(user_id))
            except AggregateNotFoundError:
                problems.append(f"user '{user_id}' is in the users table but no event granted them access")
                continue
            expected = Grant(account.user_id, account.role, frozenset(account.units), account.revoked)
            if grant != expected:
                problems.append(
                    f"user '{user_id}': the users table says {_describe(grant)}, the events say {_describe(expected)}")
        return problems

    def record_existing_grants(self) -> int:
        """Once, on upgrading: record the grants of users added before grants were events.

        Only when no user at all has a recorded grant, so a row slipped into the table later
        is never legitimised: ``differences`` reports it.
        """
        table = self._register.grants()
        if any(self._exists(user_id) for user_id in table):
            return 0
        with self._transaction():
            for grant in table.values():
                account = UserAccount(user_id=grant.user_id, role=grant.role, units=sorted(grant.units),
                                      actor_id=SYSTEM_UPGRADE.id, actor_role=SYSTEM_UPGRADE.role.value)
                if grant.revoked:
                    account.revoke(actor_id=SYSTEM_UPGRADE.id, actor_role=SYSTEM_UPGRADE.role.value)
                self._app.save(account)
        return len(table)

    def _exists(self, user_id: str) -> bool:
        try:
            self._app.repository.get(account_id(user_id))
        except AggregateNotFoundError:
            return False
        return True

    def _account(self, user_id: str) -> UserAccount:
        try:
            account: UserAccount = self._app.repository.get(account_id(user_id))
        except AggregateNotFoundError:
            raise UnknownUserAccount(f"no user '{user_id}' in the trail of grants") from None
        return account


def _describe(grant: Grant) -> str:
    units = ",".join(sorted(grant.units)) or "no units"
    return f"{grant.role} ({units}){' revoked' if grant.revoked else ''}"


def _require_hr(actor: User) -> None:
    if actor.role is not Role.HR:
        raise AccessDenied(f"a user with role '{actor.role.value}' may not administer users")
