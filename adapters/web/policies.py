"""Reading the policy (every role, reps included): the text in force for a unit, a version, its history.

Managers read the text in force in their own units; HR and reps the area's, or any unit's, with a
picker. What is read comes from the policy service as plain data; the words shown are the
version's own, in Danish or (English locale) in English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from adapters.web.blueprint import current_user, web
from adapters.web.context import case_service, settings
from domain.values import Role, is_unit_slug
from service.policies import PolicyNotFound, PolicyService
from service.policy_views import text_view

T = TypeVar("T")

VERSION_STATUS = {
    "draft": _l("udkast"), "in_consultation": _l("i høring"), "consulted": _l("hørt"),
    "approved": _l("godkendt"), "in_force": _l("i kraft"),
}
VERSION_BADGE = {
    "draft": "badge-info", "in_consultation": "badge-warning", "consulted": "badge-info",
    "approved": "badge-info", "in_force": "badge-success",
}
POSITION = {"supports": _l("støtter"), "objects": _l("gør indsigelse"), "proposes_changes": _l("foreslår ændringer")}


def policies() -> PolicyService:
    service = case_service().policies
    if service is None:
        abort(404)
    return service


def found(read: Callable[[], T]) -> T:
    """``read()``, or the 404 page when the policy or its version does not exist."""
    try:
        return read()
    except PolicyNotFound:
        abort(404)


def english() -> bool:
    return str(get_locale()) == "en"


def unit_options() -> list[str]:
    """The units the reader may pick: a manager's own; for HR and reps, every unit the service knows."""
    user = current_user()
    if user.role is Role.MANAGER:
        return sorted(user.units)
    units = set(settings().known_units or ())
    for policy in policies().list_policies(user):
        if policy["scope"]["unit"]:
            units.add(policy["scope"]["unit"])
        for version in found(lambda p=policy: policies().get_policy(user, p["id"]))["versions"]:
            units.update(a["unit"] for a in version["adaptations"])
    return sorted(units)


def chosen_unit(options: list[str]) -> str | None:
    """The unit asked for in ``?enhed=``; a manager gets their first unit and may ask for no other."""
    asked = request.args.get("enhed", "").strip()
    if current_user().role is Role.MANAGER:
        if not asked:
            return options[0] if options else None
        if asked not in options:
            abort(403)
        return asked
    return asked if asked and is_unit_slug(asked) else None


@web.route("/retningslinjer")
def policy_in_force() -> Any:
    options = unit_options()
    unit = chosen_unit(options)
    service = policies()
    citation = service.version_in_force(unit, service.today())
    text = None if citation is None else text_view(citation.text)
    return render_template("policies/in_force.html", options=options, unit=unit, citation=citation, text=text,
                           all_policies=service.list_policies(current_user()),
                           manager=current_user().role is Role.MANAGER)


@web.route("/retningslinjer/<string(maxlength=64):policy_id>")
def policy_page(policy_id: str) -> Any:
    policy = found(lambda: policies().get_policy(current_user(), policy_id))
    return render_template("policies/policy.html", policy=policy)


@web.route("/retningslinjer/<string(maxlength=64):policy_id>/versioner/<int(min=1,max=2147483647):version>")
def policy_version(policy_id: str, version: int) -> Any:
    unit = request.args.get("enhed", "").strip() or None
    if unit is not None and not is_unit_slug(unit):
        unit = None
    detail = found(lambda: policies().get_version(current_user(), policy_id, version, unit))
    policy = found(lambda: policies().get_policy(current_user(), policy_id))
    record = next(v for v in policy["versions"] if v["number"] == version)
    return render_template("policies/version.html", policy=policy, record=record, detail=detail, unit=unit)


@web.app_template_filter("version_status")
def version_status(value: str) -> str:
    return str(VERSION_STATUS.get(value, value))


@web.app_template_filter("position_label")
def position_label(value: str) -> str:
    return str(POSITION.get(value, value))


@web.app_template_filter("in_language")
def in_language(row: dict[str, Any], field: str) -> str:
    """``row[field_da]``, or ``row[field_en]`` when the reader chose English."""
    return str(row[f"{field}_en" if english() else f"{field}_da"])


@web.app_template_global("version_badge")
def version_badge(status: str) -> str:
    return VERSION_BADGE.get(status, "badge-info")
