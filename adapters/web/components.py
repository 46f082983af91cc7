"""The design system's smallest pieces, written in Python rather than as Jinja macros.

A page calls these dozens of times (an error message and a description for every form field,
a CSRF field for every form, a status badge for every row of the case list), and a macro call
cost several times what a function call does. The larger components stay macros (macros.html).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from adapters.web.formatting import STATUS, STATUS_BADGE, label, translated


def csrf_field() -> Markup:
    """The hidden field every form posts its CSRF token in (one token a request, so made once)."""
    field = g.get("csrf_field")
    if field is None:
        field = g.csrf_field = Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()
    return field  # type: ignore[no-any-return]


def field_error(name: str, errors: dict[str, Any]) -> Markup:
    """A field's error message, for the design system's ``form-error`` field; empty without one."""
    if not errors.get(name):
        return Markup("")
    return Markup('<span class="form-error-message" id="%s-error"><span class="sr-only">%s </span>%s</span>') % (
        name, translated("Fejl:"), errors[name])


def described(name: str, hint: Any, errors: dict[str, Any]) -> Markup:
    """A field's ``aria-describedby`` (its hint and its error) and ``aria-invalid`` attributes."""
    ids = ([f"{name}-hint"] if hint else []) + ([f"{name}-error"] if errors.get(name) else [])
    attributes = Markup(' aria-describedby="%s"') % " ".join(ids) if ids else Markup("")
    return attributes + Markup(' aria-invalid="true"') if errors.get(name) else attributes


def status_badge_for(status: str) -> Markup:
    """A case's status as the design system's badge."""
    return Markup('<span class="badge %s">%s</span>') % (STATUS_BADGE.get(status, "badge-info"), label(STATUS, status))


def register(app: Flask) -> None:
    app.jinja_env.globals.update(csrf_field=csrf_field, field_error=field_error, described=described,
                                 status_badge_for=status_badge_for)
