"""Staff lists and coverage of the policy (§8): who has been taken through the version in force.

Names are shown only to HR and to the managers of the unit; every role, reps included, sees
the anonymised coverage per unit (no count under k). The service checks access again.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from adapters.http.context import staff_service
from adapters.web.blueprint import CASEWORKERS, current_user, roles, web
from adapters.web.forms import translated
from domain.errors import DomainError, InvalidCaseData
from domain.staff import AcknowledgementMethod, StaffMemberErased
from domain.values import Role, is_unit_slug
from service.errors import AccessDenied, CaseNotFound, ServiceError
from service.staff import StaffConflict, StaffMemberExists, StaffMemberNotFound
from service.users import User

logger = logging.getLogger(__name__)
METHODS = {"intro_meeting": "intro_meeting", "e_learning": "e_learning", "handed_out": "handed_out"}


def _may_see_names(user: User, unit: str) -> bool:
    return user.role is Role.HR or (user.role is Role.MANAGER and unit in user.units)


def _day(form: Any, field: str, errors: dict[str, str], *, optional: bool = False) -> date | None:
    text = form.get(field, "").strip()
    if not text and optional:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = _("Skriv en dato som åååå-mm-dd")
        return None


def _service_errors(error: InvalidCaseData, errors: dict[str, str], fields: set[str], default: str) -> None:
    """The domain's refusal beside the form's field it names (else ``default``), in the reader's language."""
    for field, messages in error.errors.items():
        root = field.split(".")[0]
        errors.setdefault(root if root in fields else default, translated(messages[0]))


def _refusal(error: ServiceError | DomainError) -> str:
    """Why the staff service stored nothing, in the reader's language."""
    if isinstance(error, StaffMemberExists):
        return _("Medarbejdernummeret %(ref)s står allerede på en medarbejderliste. Ret medarbejderen i stedet.",
                 ref=error.employee_ref)
    if isinstance(error, StaffConflict):
        return _("Medarbejderlisten blev ændret af en anden i mellemtiden. Intet er gemt; prøv igen.")
    if isinstance(error, StaffMemberNotFound | CaseNotFound):
        return _("Medarbejderen står ikke på enhedens medarbejderliste")
    if isinstance(error, StaffMemberErased):
        return _("Medarbejderens personoplysninger er slettet, og der registreres ikke mere om medarbejderen")
    if isinstance(error, AccessDenied):
        return _("Du har ikke adgang til at registrere dette for enheden")
    logger.warning("the staff service refused a page's command: %s", error)
    return _("Det kunne ikke gemmes. Kontrollér felterne, og prøv igen.")


@web.route("/medarbejdere")
def staff_overview() -> Any:
    user = current_user()
    coverage = staff_service().anonymised_coverage(user)
    own = sorted(user.units) if user.role is Role.MANAGER else None
    return render_template("staff_overview.html", coverage=coverage, own_units=own,
                           hr=user.role is Role.HR, k=staff_service().k)


@web.route("/medarbejdere/<unit>", methods=["GET", "POST"])
@roles(*CASEWORKERS)
def staff_list(unit: str) -> Any:
    user = current_user()
    if not is_unit_slug(unit) or not _may_see_names(user, unit):
        abort(403 if is_unit_slug(unit) else 404)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        if user.role is not Role.HR:
            abort(403)
        values = dict(request.form)
        ref, name = request.form.get("employee_ref", "").strip(), request.form.get("name", "").strip()
        if not ref:
            errors["employee_ref"] = _("Skriv medarbejderens nummer")
        if not name:
            errors["name"] = _("Skriv medarbejderens navn")
        start = _day(request.form, "start_date", errors)
        end = _day(request.form, "end_date", errors, optional=True)
        if not errors and start is not None:
            try:
                if request.form.get("change") == "1":
                    staff_service().change_member(user, unit, ref, name=name, start_date=start, end_date=end)
                else:
                    staff_service().add_member(user, unit, employee_ref=ref, name=name, start_date=start,
                                               end_date=end)
            except InvalidCaseData as error:
                _service_errors(error, errors, {"employee_ref", "name", "start_date", "end_date"}, "employee_ref")
            except ServiceError as error:
                errors["employee_ref"] = _refusal(error)
            else:
                logger.info("%s saved staff member in %s", user.id, unit)
                flash(_("Medarbejderlisten er gemt."), "success")
                return redirect(url_for("web.staff_list", unit=unit))
    staff = staff_service().list_staff(user, unit)
    coverage = staff_service().unit_coverage(user, unit)
    return render_template("staff_list.html", unit=unit, staff=staff, coverage=coverage, errors=errors,
                           values=values, hr=user.role is Role.HR, today=staff_service().today()), (
        422 if errors else 200)


@web.route("/medarbejdere/<unit>/gennemgang", methods=["GET", "POST"])
@roles(*CASEWORKERS)
def staff_review(unit: str) -> Any:
    user = current_user()
    if not is_unit_slug(unit) or not _may_see_names(user, unit):
        abort(403)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    chosen: list[str] = []
    if request.method == "POST":
        values = dict(request.form)
        chosen = request.form.getlist("participants")
        held_on = _day(request.form, "held_on", errors)
        led_by = request.form.get("led_by", "").strip()
        if not led_by:
            errors["led_by"] = _("Skriv hvem der ledte gennemgangen")
        if not chosen:
            errors["participants"] = _("Vælg mindst én deltager")
        if not errors and held_on is not None:
            try:
                staff_service().record_review(user, unit, held_on=held_on, led_by=led_by, participants=chosen)
            except InvalidCaseData as error:
                _service_errors(error, errors, {"held_on", "led_by", "participants"}, "held_on")
            except (ServiceError, StaffMemberErased) as error:
                errors["participants" if isinstance(error, StaffMemberNotFound | StaffMemberErased) else "held_on"] = (
                    _refusal(error))
            else:
                flash(_("Gennemgangen er registreret."), "success")
                return redirect(url_for("web.staff_list", unit=unit))
    today = staff_service().today()
    staff = [row for row in staff_service().list_staff(user, unit) if not row.erased and row.employed_on(today)]
    return _done(render_template("staff_review.html", unit=unit, staff=staff, errors=errors, values=values,
                                 chosen=chosen), errors)


@web.route("/medarbejdere/<unit>/introduktion", methods=["GET", "POST"])
@roles(*CASEWORKERS)
def staff_introduction(unit: str) -> Any:
    user = current_user()
    if not is_unit_slug(unit) or not _may_see_names(user, unit):
        abort(403)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"employee_ref": request.args.get("medarbejder", "")}
    if request.method == "POST":
        values = dict(request.form)
        ref = request.form.get("employee_ref", "")
        on = _day(request.form, "acknowledged_on", errors)
        method = METHODS.get(request.form.get("method", ""))
        if not ref:
            errors["employee_ref"] = _("Vælg medarbejderen")
        if method is None:
            errors["method"] = _("Vælg hvordan introduktionen blev givet")
        if not errors and on is not None and method is not None:
            try:
                staff_service().record_introduction(user, unit, ref, acknowledged_on=on,
                                                    method=AcknowledgementMethod(method))
            except InvalidCaseData as error:
                _service_errors(error, errors, {"employee_ref", "acknowledged_on", "method"}, "acknowledged_on")
            except (ServiceError, StaffMemberErased) as error:
                errors["employee_ref"] = _refusal(error)
            else:
                flash(_("Introduktionen er registreret."), "success")
                return redirect(url_for("web.staff_list", unit=unit))
    staff = [row for row in staff_service().list_staff(user, unit) if not row.erased]
    return _done(render_template("staff_introduction.html", unit=unit, staff=staff, errors=errors,
                                 values=values), errors)


def _done(page: str, errors: dict[str, str]) -> tuple[str, int] | Response:
    return page, 422 if errors else 200
