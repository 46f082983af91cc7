"""Staff lists, review sessions, introductions and coverage (§8 of the draft): thin routes.

HR keeps the staff lists; managers record reviews and introductions in their own units and
read their units' coverage by name; every role reads the anonymised coverage of every unit.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask.views import MethodView

from adapters.http.api import API_PREFIX, ApiBlueprint, no_store, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import staff_service
from adapters.http.staff_schemas import (
    AcknowledgementOut,
    CoverageOut,
    CoverageQuerySchema,
    IntroductionSchema,
    NewStaffMemberSchema,
    ReviewOut,
    ReviewSchema,
    StaffMemberChangeSchema,
    StaffMemberOut,
    UnitCoverageOut,
)
from domain.errors import InvalidCaseData
from domain.staff import AcknowledgementMethod, PolicyVersionRef
from domain.values import is_unit_slug

blp = ApiBlueprint("staff", __name__, url_prefix=API_PREFIX,
                   description="Staff lists, reviews of the policy, introductions and coverage.")
blp.before_request(authenticate)
blp.after_request(no_store)


def _policy(body: dict[str, Any]) -> PolicyVersionRef | None:
    given = body.get("policy")
    return None if given is None else PolicyVersionRef(given["policy_id"], given["version"])


def _unit(unit: str) -> str:
    if not is_unit_slug(unit):
        raise InvalidCaseData.field("unit", "must be a slug of lowercase letters, digits and hyphens")
    return unit


@blp.route("/units/<unit>/staff")
class Staff(MethodView):
    @problems(blp, 401, 403, 422)
    @blp.response(200, StaffMemberOut(many=True))
    def get(self, unit: str) -> Any:
        """The unit's staff list, current and former employees (hr, the unit's managers)."""
        return staff_service().list_staff(current_user(), _unit(unit))

    @problems(blp, 400, 401, 403, 409, 413, 415, 422)
    @blp.arguments(NewStaffMemberSchema)
    @blp.response(201, StaffMemberOut)
    def post(self, body: dict[str, Any], unit: str) -> Any:
        """Put an employee on the unit's staff list (hr)."""
        return staff_service().add_member(current_user(), _unit(unit), **body)


@blp.route("/units/<unit>/staff/<ref>")
class StaffMember(MethodView):
    @problems(blp, 400, 401, 403, 404, 409, 413, 415, 422)
    @blp.arguments(StaffMemberChangeSchema)
    @blp.response(200, StaffMemberOut)
    def patch(self, body: dict[str, Any], unit: str, ref: str) -> Any:
        """Change an employee's name or dates; an end date marks a leaver, `null` takes it back (hr)."""
        clear = "end_date" in body and body["end_date"] is None
        return staff_service().change_member(
            current_user(), _unit(unit), ref, name=body.get("name"), start_date=body.get("start_date"),
            end_date=body.get("end_date"), clear_end_date=clear,
        )


@blp.route("/units/<unit>/reviews")
class Reviews(MethodView):
    @problems(blp, 400, 401, 403, 409, 413, 415, 422)
    @blp.arguments(ReviewSchema)
    @blp.response(201, ReviewOut)
    def post(self, body: dict[str, Any], unit: str) -> Any:
        """Record a review of the policy with some of the unit's employees; each acknowledges it (manager, hr)."""
        return staff_service().record_review(
            current_user(), _unit(unit), held_on=body["held_on"], led_by=body["led_by"],
            participants=body["participants"], policy=_policy(body),
        )


@blp.route("/units/<unit>/staff/<ref>/introduction")
class Introduction(MethodView):
    @problems(blp, 400, 401, 403, 404, 409, 413, 415, 422)
    @blp.arguments(IntroductionSchema)
    @blp.response(201, AcknowledgementOut)
    def post(self, body: dict[str, Any], unit: str, ref: str) -> Any:
        """Record a new employee's introduction to the policy (manager, hr)."""
        return staff_service().record_introduction(
            current_user(), _unit(unit), ref, acknowledged_on=body["acknowledged_on"],
            method=AcknowledgementMethod(body["method"]), policy=_policy(body),
        )


@blp.route("/units/<unit>/coverage")
class UnitCoverage(MethodView):
    @problems(blp, 400, 401, 403, 422)
    @blp.arguments(CoverageQuerySchema, location="query")
    @blp.response(200, UnitCoverageOut)
    def get(self, query: dict[str, Any], unit: str) -> Any:
        """Who in the unit has and has not acknowledged the version in force, and since when (hr, managers)."""
        return staff_service().unit_coverage(current_user(), _unit(unit), on=query.get("on"))


@blp.route("/coverage")
class Coverage(MethodView):
    @problems(blp, 400, 401, 422)
    @blp.arguments(CoverageQuerySchema, location="query")
    @blp.response(200, CoverageOut)
    def get(self, query: dict[str, Any]) -> Any:
        """Every unit's coverage, anonymised: no missing count below k, no percentage that gives one (every role)."""
        service = staff_service()
        on: date = query.get("on") or service.today()
        return {"on": on, "k": service.k, "units": service.anonymised_coverage(current_user(), on=on)}


@blp.route("/cases/<uuid:case_id>/policy-acknowledgement")
class CaseAcknowledgement(MethodView):
    @problems(blp, 401, 403, 404)
    @blp.response(200, AcknowledgementOut)
    def get(self, case_id: UUID) -> Any:
        """Whether the case's employee had acknowledged the policy version the case cites, and when (manager, hr)."""
        return staff_service().case_acknowledgement(current_user(), case_id)
