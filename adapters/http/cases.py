"""Cases: report one, list them, read one as it stands (or stood), read its audit trail."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from marshmallow import RAISE

from adapters.http.api import API_PREFIX, ETAG_HEADER, LOCATION_HEADER, ApiBlueprint, no_store, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.etags import etag
from adapters.http.links import with_case_links
from adapters.http.representations import CasePageSchema, CaseSchema, HistoryEntrySchema
from adapters.http.schemas import CaseListQuerySchema, CaseVersionQuerySchema, ReportIncidentSchema
from service.views import CasePage, CaseView, HistoryEntry

blp = ApiBlueprint("cases", __name__, url_prefix=API_PREFIX, description="Report, list and read cases.")
blp.before_request(authenticate)
blp.after_request(no_store)


@blp.route("/cases")
class CaseCollection(MethodView):
    @blp.arguments(CaseListQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, CasePageSchema)
    @problems(blp, 401, 403)
    def get(self, query: dict[str, Any]) -> CasePage:
        """List the cases the caller may see, most recent activity first (manager: own units; hr: all)."""
        return case_service().list_cases(current_user(), **query)

    @blp.arguments(ReportIncidentSchema)
    @blp.response(201, CaseSchema, headers={"Location": LOCATION_HEADER, "ETag": ETAG_HEADER})
    @problems(blp, 400, 401, 403, 409, 413, 415)
    @blp.doc(**with_case_links(201))
    def post(self, body: dict[str, Any]) -> tuple[CaseView, dict[str, str]]:
        """Report an incident: a new case, status reported (manager of the unit, hr)."""
        case = case_service().report_incident(
            current_user(),
            unit=body["unit"],
            employee_ref=body["employee"]["ref"],
            employee_name=body["employee"]["name"],
            occurred_on=body["occurred_on"],
            rules=body["rules"],
            channel=body["channel"],
            description=body["description"],
        )
        return case, {"Location": url_for(".CaseResource", case_id=case.id), **etag(case)}


@blp.route("/cases/<uuid:case_id>")
class CaseResource(MethodView):
    @blp.arguments(CaseVersionQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, CaseSchema, headers={"ETag": ETAG_HEADER})
    @problems(blp, 401, 403, 404)
    def get(self, query: dict[str, Any], case_id: UUID) -> tuple[CaseView, dict[str, str]]:
        """Read a case as it stands, or as it stood: after ?version=N, or at ?as_of=<time> (manager of the unit, hr)."""
        case = case_service().get_case(
            current_user(), case_id, version=query.get("version"), as_of=query.get("as_of")
        )
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/history")
class CaseHistory(MethodView):
    @blp.response(200, HistoryEntrySchema(many=True))
    @problems(blp, 401, 403, 404)
    def get(self, case_id: UUID) -> list[HistoryEntry]:
        """Read a case's audit trail, oldest event first (manager of the unit, hr)."""
        return case_service().history(current_user(), case_id)
