"""User administration as the pages need it: the one module that reaches the user register.

Every change goes through the event-sourced grants (``build_user_administration``) with the
signed-in HR user as actor, so the trail of who granted what, and when, is the same whether
the change was made here, through the API or on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from adapters.composition import UserAccount, UserError, build_user_administration
from adapters.web.context import case_service, sign_ins, user_store
from domain.values import Role
from service.user_accounts import GrantEntry, UnknownUserAccount, UserAdministration
from service.users import User

__all__ = ["GrantEntry", "UnknownUserAccount", "UserAccount", "UserError", "account", "add_user", "change_user",
           "issue_sign_in_link", "list_users", "revoke_user", "signed_in_user", "user_history"]

USER_ADMINISTRATION = "breachtrail.web.user_administration"


def _administration() -> UserAdministration:
    found = current_app.extensions.get(USER_ADMINISTRATION)
    if found is None:
        found = build_user_administration(case_service(), user_store())
        current_app.extensions[USER_ADMINISTRATION] = found
    administration: UserAdministration = found
    return administration


def signed_in_user(user_id: str) -> User | None:
    """The active user with this id, as the service sees users; None when unknown or revoked."""
    return user_store().active_user(user_id)


def account(user_id: str) -> UserAccount | None:
    return user_store().account(user_id)


def list_users() -> list[UserAccount]:
    return user_store().list_users()


def add_user(actor: User, user_id: str, role: Role, units: Iterable[str]) -> None:
    """Add a user (their API token is not shown: they sign in with a link)."""
    _administration().add_user(actor, user_id, role, units)


def change_user(actor: User, user_id: str, role: Role, units: Iterable[str]) -> None:
    """Change role and units; ``UnknownUserAccount`` when no grant of the user was ever recorded."""
    _administration().change_user(actor, user_id, role=role, units=list(units))


def revoke_user(actor: User, user_id: str) -> bool:
    return _administration().revoke_user(actor, user_id)


def user_history(user_id: str) -> list[GrantEntry]:
    """Every change of the user's access, oldest first, each with its actor."""
    return _administration().user_history(user_id)


def issue_sign_in_link(user_id: str) -> str:
    """A one-time sign-in secret for ``user_id`` (15 minutes)."""
    return sign_ins().issue_link(user_id)
