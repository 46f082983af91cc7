"""A case's records for HR: its complete case file, and who read it when."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from adapters.http.api import API_PREFIX, ApiBlueprint, no_store, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.representations import ActorOut, CaseSchema, HistoryEntrySchema, always_present
from service.access_log import AccessEntry, Read
from service.records import CASE_FILE_FORMAT, CaseFile


@always_present
class AccessEntrySchema(Schema):
    """One read of a case: who, when, which read, and the version or moment asked for."""

    at = fields.DateTime(metadata={"description": "When the case was read."})
    user = fields.Nested(ActorOut, metadata={"description": "Who read it (a user, or a system actor)."})
    read = fields.String(validate=validate.OneOf([r.value for r in Read]),
                         metadata={"description": "Which read: the case, its history, its export, or this log."})
    version = fields.Integer(allow_none=True, metadata={"description": "The version asked for (?version)."})
    as_of = fields.DateTime(allow_none=True, metadata={"description": "The moment asked for (?as_of)."})


@always_present
class ChainLinkSchema(Schema):
    """The seal of one event of the case in the tamper-evident chain."""

    notification_id = fields.Integer(metadata={"description": "The event's position in the whole event log."})
    version = fields.Integer(metadata={"description": "The event's version in the case."})
    link = fields.String(metadata={"description": "HMAC-SHA256, hex, as `GET /integrity` and `verify` check it."})


@always_present
class ExportInfoSchema(Schema):
    format = fields.String(metadata={"description": f"Always `{CASE_FILE_FORMAT}`."})
    format_version = fields.Integer(metadata={"description": "Raised when the layout changes."})
    exported_at = fields.DateTime()
    exported_by = fields.Nested(ActorOut)


@always_present
class CaseFileSchema(Schema):
    """Everything kept about one case, for an archive or a subject access request."""

    export = fields.Nested(ExportInfoSchema)
    case = fields.Nested(CaseSchema, metadata={"description": "As GET /cases/<id> shows it now."})
    history = fields.List(fields.Nested(HistoryEntrySchema), metadata={"description": "Every event, oldest first."})
    access_log = fields.List(fields.Nested(AccessEntrySchema),
                             metadata={"description": "Every read of the case, oldest first; this export included."})
    chain = fields.List(fields.Nested(ChainLinkSchema),
                        metadata={"description": "The chain links of the case's events, in log order."})


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
