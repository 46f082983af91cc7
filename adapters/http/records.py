"""A case's records for HR: its complete case file, and who read it when."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from adapters.http.api import API_PREFIX, ApiBlueprint, no_store, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.case_files import AccessEntrySchema, CaseFileSchema
from adapters.http.context import case_service
from service.access_log import AccessEntry
from service.records import CaseFile

blp = ApiBlueprint("records", __name__, url_prefix=API_PREFIX,
                   description="Case files for archives and subject access requests, and who read what.")
blp.before_request(authenticate)
blp.after_request(no_store)

DISPOSITION_HEADER = {"description": "`attachment; filename=\"case-<id>.json\"`", "schema": {"type": "string"}}


@blp.route("/cases/<uuid:case_id>/export")
class CaseExport(MethodView):
    @blp.response(200, CaseFileSchema, headers={"Content-Disposition": DISPOSITION_HEADER})
    @problems(blp, 401, 403, 404)
    def get(self, case_id: UUID) -> tuple[CaseFile, dict[str, str]]:
        """Export the complete case file: the case, its whole history, its access log and chain links (hr)."""
        case_file = case_service().export_case(current_user(), case_id)
        return case_file, {"Content-Disposition": f'attachment; filename="case-{case_id}.json"'}


@blp.route("/cases/<uuid:case_id>/access-log")
class CaseAccessLog(MethodView):
    @blp.response(200, AccessEntrySchema(many=True))
    @problems(blp, 401, 403, 404)
    def get(self, case_id: UUID) -> list[AccessEntry]:
        """Who read the case, its history or its export, when, oldest first; this read included (hr)."""
        return case_service().read_access_log(current_user(), case_id)
