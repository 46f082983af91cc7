"""HR's user administration: add a user, change role and units, revoke, issue a sign-in link."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapters.web import user_admin
from adapters.web.blueprint import current_user, roles, web
from adapters.web.context import settings
from domain.values import Role, is_unit_slug

logger = logging.getLogger(__name__)

#: What the user register refuses, by field and problem (``UserError``), in the reader's language.
REFUSALS: dict[tuple[str, str], Any] = {
    ("user_id", "exists"): _l("Der findes allerede en bruger med det id. En spærret bruger beholder sit id, så "
                              "vælg et andet."),
    ("user_id", "invalid"): _l("Skriv id'et med 1 til 64 bogstaver, tal, punktummer, bindestreger, _ eller @, og "
                               "begynd med et bogstav eller et tal"),
    ("user_id", "unknown"): _l("Brugeren findes ikke længere. Opdatér siden, og prøv igen."),
    ("role", "invalid"): _l("Vælg brugerens rolle"),
    ("units", "invalid"): _l("Enheder skrives med små bogstaver, tal og bindestreg, fx dagtilbud-nord"),
    ("units", "missing"): _l("En leder skal have mindst én enhed"),
    ("units", "not_a_manager"): _l("Kun ledere har enheder"),
}


def refusal(error: user_admin.UserError, fallback_field: str) -> tuple[str, str]:
    """The field a refusal of the register belongs to, and what it says, in the reader's language."""
    message = REFUSALS.get((error.field, error.problem))
    if message is None:
        logger.warning("a user change was refused: %s", error)
        return fallback_field, _("Ændringen kunne ikke gemmes. Kontrollér felterne, og prøv igen.")
    field = error.field if error.field in {"user_id", "role", "units"} else fallback_field
    return field, str(message)


def _read(form: Any) -> tuple[Role | None, list[str], dict[str, str]]:
    errors: dict[str, str] = {}
    role = {r.value: r for r in Role}.get(form.get("role", ""))
    if role is None:
        errors["role"] = _("Vælg brugerens rolle")
    units = sorted({u.strip() for u in form.get("units", "").replace(",", " ").split() if u.strip()})
    bad = [u for u in units if not is_unit_slug(u)]
    known = settings().known_units
    if bad:
        errors["units"] = _("Enheder skrives med små bogstaver, tal og bindestreg, fx dagtilbud-nord")
    elif known is not None and set(units) - known:
        errors["units"] = _("Ukendte enheder: %(units)s", units=", ".join(sorted(set(units) - known)))
    elif role is Role.MANAGER and not units:
        errors["units"] = _("En leder skal have mindst én enhed")
    elif role is not None and role is not Role.MANAGER and units:
        errors["units"] = _("Kun ledere har enheder")
    return role, units, errors


@web.route("/brugere", methods=["GET", "POST"])
@roles(Role.HR)
def users() -> Any:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = dict(request.form)
        user_id = request.form.get("user_id", "").strip()
        role, units, errors = _read(request.form)
        if not user_id:
            errors = {"user_id": _("Skriv brugerens id"), **errors}
        if not errors and role is not None:
            try:
                user_admin.add_user(current_user(), user_id, role, units)
            except user_admin.UserError as error:
                field, message = refusal(error, "user_id")
                errors[field] = message
            else:
                logger.info("%s added user %s (%s)", current_user().id, user_id, role.value)
                flash(_("Brugeren %(user)s er oprettet. Giv brugeren et login-link nedenfor.", user=user_id), "success")
                return redirect(url_for("web.user_page", user_id=user_id))
    return render_template("users.html", accounts=user_admin.list_users(), errors=errors, values=values), (
        422 if errors else 200)


@web.route("/brugere/<user_id>", methods=["GET", "POST"])
@roles(Role.HR)
def user_page(user_id: str) -> Any:
    account = user_admin.account(user_id)
    if account is None:
        abort(404)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"role": account.role.value, "units": " ".join(sorted(account.units))}
    if request.method == "POST":
        values = dict(request.form)
        role, units, errors = _read(request.form)
        if not errors and role is not None:
            try:
                user_admin.change_user(current_user(), user_id, role, units)
            except user_admin.UnknownUserAccount:
                errors["role"] = _("Brugerens adgang er ikke registreret som hændelser endnu. Kør "
                                   "\"breachtrail init-db\" og prøv igen.")
            except user_admin.UserError as error:
                field, message = refusal(error, "role")
                errors["role" if field == "user_id" else field] = message
        if not errors and role is not None:
            logger.info("%s changed user %s to %s %s", current_user().id, user_id, role.value, units)
            flash(_("Brugerens rolle og enheder er ændret."), "success")
            return redirect(url_for("web.user_page", user_id=user_id))
    return render_template("user.html", account=account, errors=errors, values=values,
                           history=user_admin.user_history(user_id)), (422 if errors else 200)


@web.route("/brugere/<user_id>/spaerring", methods=["GET", "POST"])
@roles(Role.HR)
def revoke(user_id: str) -> Any:
    account = user_admin.account(user_id)
    if account is None:
        abort(404)
    if request.method == "POST":
        user_admin.revoke_user(current_user(), user_id)
        logger.info("%s revoked user %s", current_user().id, user_id)
        return render_template("user_revoked.html", account=user_admin.account(user_id))
    return render_template("user_revoke.html", account=account)


@web.route("/brugere/<user_id>/link", methods=["POST"])
@roles(Role.HR)
def issue_link(user_id: str) -> Any:
    account = user_admin.account(user_id)
    if account is None:
        abort(404)
    if not account.active:
        flash(_("Brugeren er spærret og kan ikke få et login-link."), "error")
        return redirect(url_for("web.user_page", user_id=user_id))
    secret = user_admin.issue_sign_in_link(user_id)
    logger.info("%s issued a sign-in link for %s", current_user().id, user_id)
    link = f"{settings().public_url}/login/{secret}"
    return render_template("user_link.html", account=account, link=link)
