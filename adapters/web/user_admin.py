"""User administration as the pages need it: the one module that reaches the user register.

Today it calls ``UserStore`` through the composition root; when user administration becomes
event-sourced, only this module changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.composition import UserAccount, UserError
from adapters.web.context import sign_ins, user_store
from domain.values import Role
from service.users import User

__all__ = ["UserAccount", "UserError", "account", "add_user", "change_user", "issue_sign_in_link", "list_users",
           "revoke_user", "signed_in_user"]


def signed_in_user(user_id: str) -> User | None:
    """The active user with this id, as the service sees users; None when unknown or revoked."""
    found = user_store().account(user_id)
    if found is None or not found.active:
        return None
    return User(id=found.id, role=found.role, units=found.units)


def account(user_id: str) -> UserAccount | None:
    return user_store().account(user_id)


def list_users() -> list[UserAccount]:
    return user_store().list_users()


def add_user(actor: User, user_id: str, role: Role, units: Iterable[str]) -> None:
    """Add a user (their API token is not shown: they sign in with a link)."""
    del actor  # recorded by the event-sourced register once it exists
    user_store().add(user_id, role, units)


def change_user(actor: User, user_id: str, role: Role, units: Iterable[str]) -> None:
    del actor
    user_store().change(user_id, role, units)


def revoke_user(actor: User, user_id: str) -> bool:
    del actor
    return user_store().revoke(user_id)


def issue_sign_in_link(user_id: str) -> str:
    """A one-time sign-in secret for ``user_id`` (15 minutes)."""
    return sign_ins().issue_link(user_id)
