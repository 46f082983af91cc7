"""The state of the tamper-evident trail, for HR."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from adapters.http.api import API_PREFIX, ApiBlueprint, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.representations import always_present

blp = ApiBlueprint("integrity", __name__, url_prefix=API_PREFIX, description="Proof that the trail is unaltered.")
blp.before_request(authenticate)


class ChainHeadSchema(Schema):
    notification_id = fields.Integer(required=True)
    case_id = fields.String(required=True)
    version = fields.Integer(required=True)
    link = fields.String(required=True, metadata={"description": "HMAC-SHA256, hex: note it down to anchor it"})


class ChainBreakSchema(Schema):
    notification_id = fields.Integer(required=True)
    case_id = fields.String(required=True)
    version = fields.Integer(required=True)
    problem = fields.String(required=True)


@always_present
class IntegritySchema(Schema):
    status = fields.String(metadata={"description": "ok, or broken"})
    events_verified = fields.Integer()
    head = fields.Nested(ChainHeadSchema, allow_none=True)
    first_break = fields.Nested(ChainBreakSchema, allow_none=True)


@blp.route("/integrity")
class Integrity(MethodView):
    @blp.response(200, IntegritySchema)
    @problems(blp, 401, 403)
    def get(self) -> dict[str, Any]:
        """Recompute the event chain now and report its head and whether it holds (hr)."""
        result = case_service().verify_integrity(current_user())
        return {
            "status": "ok" if result.ok else "broken",
            "events_verified": result.checked,
            "head": result.head,
            "first_break": result.broken,
        }
