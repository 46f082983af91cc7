"""The case list, the report form and the case page; each view calls the service and renders."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from adapters.http.context import staff_service
from adapters.web.blueprint import CASEWORKERS, current_user, roles, web
from adapters.web.context import case_service, settings
from adapters.web.forms import FormReader, service_errors
from adapters.web.rules import in_force, rule_choices
from adapters.web.step_forms import StepForm, step_context
from domain.errors import InvalidCaseData
from domain.values import Channel, Role, Status, is_unit_slug

PER_PAGE = 25
#: The case list counts its matches up to this many and says "more than" beyond: an exact count
#: reads every matching row, which at 100,000 cases cost about as much as the rest of the page. The
#: API's ``total`` stays exact (API.md); a person wants to know whether there are many, not how
#: many thousand.
COUNT_AT_MOST = 1000
_NO_CASE = UUID(int=0)
#: Events on one page of a case's timeline: a case with a long history shows its newest
#: events first and pages back through the older ones (the design system's pagination).
TIMELINE_PER_PAGE = 25
#: The case list counts its matches up to this many and says "more than" beyond: an exact count
#: reads every matching row, which at 100,000 cases cost about as much as the rest of the page. The
#: API's ``total`` stays exact (API.md); a person wants to know whether there are many, not how
#: many thousand.
COUNT_AT_MOST = 1000


def unit_choices() -> list[str] | None:
    """The units the user may pick from; None when HR types one (no list configured)."""
    user = current_user()
    if user.role is Role.MANAGER:
        return sorted(user.units)
    known = settings().known_units
    return sorted(known) if known else None


def case_href() -> str:
    """The case page's address without the id: a list links each row by appending it, instead of
    building the address through the URL map once per row."""
    return str(url_for("web.case_page", case_id=_NO_CASE)).removesuffix(str(_NO_CASE))


@web.route("/sager")
@roles(*CASEWORKERS)
def case_list() -> Any:
    args = request.args
    status = args.get("status") or None
    if status is not None and status not in {s.value for s in Status}:
        status = None
    unit = args.get("unit") or None
    overdue = True if args.get("overdue") == "yes" else None
    page_number = _page_number(args.get("page"))
    page = case_service().list_cases(current_user(), unit=unit, status=status, overdue=overdue,
                                     page=page_number, per_page=PER_PAGE,
                                     count_at_most=max(COUNT_AT_MOST, page_number * PER_PAGE))
    # Past a bounded count the pages are not numbered to the end; there is a next one.
    pages = max(1, -(-page.total // PER_PAGE)) if page.total_exact else None
    filters = {"status": status or "", "unit": unit or "", "overdue": "yes" if overdue else ""}
    return render_template("case_list.html", page=page, pages=pages, filters=filters, units=unit_choices(),
                           case_href=case_href())


@web.route("/sager/ny", methods=["GET", "POST"])
@roles(*CASEWORKERS)
def new_case() -> Any:
    units = unit_choices()
    asked = request.args.get("unit", "").strip()
    if units is not None:
        asked = asked if asked in units else (units[0] if units else "")
    values: dict[str, Any] = {"unit": asked if is_unit_slug(asked) else ""}
    errors: dict[str, str] = {}
    chosen_rules: list[str] = []
    if request.method == "POST":
        form = FormReader(request.form)
        values = form.values()
        chosen_rules = request.form.getlist("rules")
        occurred_on = form.date("occurred_on")
        channel = form.choice("channel", {c.value: c for c in Channel}, _("Vælg den kanal, hændelsen skete i"))
        if not form.text("unit"):
            form.errors["unit"] = _("Vælg den enhed, hændelsen skete i")
        errors = form.errors
        if not errors:
            try:
                case = case_service().report_incident(
                    current_user(), unit=form.text("unit"), employee_ref=form.text("employee_ref"),
                    employee_name=form.optional_text("employee_name"), occurred_on=occurred_on,  # type: ignore[arg-type]
                    rules=chosen_rules, channel=channel, description=form.text("description"),
                )
            except InvalidCaseData as error:
                errors = service_errors(error)
            else:
                flash(_("Hændelsen er indberettet, og sagen er oprettet."), "success")
                return redirect(url_for("web.case_page", case_id=case.id))
    citation = in_force(str(values.get("unit") or "") or None)
    return render_template("new_case.html", values=values, errors=errors, chosen_rules=chosen_rules, units=units,
                           citation=citation, rules=rule_choices(citation), channels=list(Channel)), (
        422 if errors else 200)


def render_case_page(case_id: UUID, *, form: StepForm | None = None, status: int = 200,
                     conflict: bool = False) -> tuple[str, int]:
    """The case page: header, next steps with their forms, and a page of the timeline, newest first."""
    user = current_user()
    timeline_page = _page_number(request.args.get("page")) if form is None else 1
    with case_service().reading():  # the case, its events and the staff list in one read transaction
        case, timeline = case_service().case_with_history(
            user, case_id, newest=TIMELINE_PER_PAGE, skip=(timeline_page - 1) * TIMELINE_PER_PAGE)
        # §8: had the employee been told the rule? Shown on the page and asked about in the warning form.
        acknowledgement = staff_service().acknowledgement_of(case)
    timeline_pages = max(1, -(-case.version // TIMELINE_PER_PAGE))
    context = step_context(case, user, case_service().today(), form)
    # A page shown after a step's POST switches language back to the case's own address.
    page_url = url_for("web.case_page", case_id=case_id)
    if timeline_page > 1:
        page_url = url_for("web.case_page", case_id=case_id, page=timeline_page)
    return render_template("case.html", case=case, timeline=timeline, timeline_page=timeline_page,
                           timeline_pages=timeline_pages, conflict=conflict, page_url=page_url,
                           acknowledgement=acknowledgement, **context), status


def _page_number(asked: str | None) -> int:
    try:
        return max(1, int(asked or "1"))
    except ValueError:
        return 1


@web.route("/sager/<uuid:case_id>")
@roles(*CASEWORKERS)
def case_page(case_id: UUID) -> Any:
    return render_case_page(case_id)


@web.route("/sager/<uuid:case_id>/udskrift")
@roles(Role.HR)
def case_print(case_id: UUID) -> Any:
    user = current_user()
    case = case_service().get_case(user, case_id)
    history = case_service().history(user, case_id)
    # The printed case file holds the whole timeline, newest first like the case page.
    return render_template("case_print.html", case=case, timeline=history[::-1], today=case_service().today())


def back_to_case(case_id: UUID | str, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("web.case_page", case_id=case_id))
