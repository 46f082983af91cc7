"""The one blueprint every page belongs to, and what each page needs to know about the request.

One blueprint, so one set of error pages, one CSRF check, one sign-in check and one set of
security headers covers every page; the page modules only add routes to it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, g

from domain.values import Role
from service.users import User

web = Blueprint("web", __name__, static_folder="static", static_url_path="/assets", template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])


def current_user() -> User:
    """The signed-in user of this request (pages that allow anonymous visitors never call this)."""
    user: User = g.web_user
    return user


def public(view: F) -> F:
    """A page anyone may open without signing in (sign-in pages, language switch)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Only these roles may open the page; the others get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if current_user().role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


CASEWORKERS = (Role.MANAGER, Role.HR)
