"""The state of the tamper-evident trail, for HR."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validates

from adapters.http.api import API_PREFIX, ApiBlueprint, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.representations import always_present
from service.seals import check_head

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


class IntegrityQuerySchema(Schema):
    since = fields.String(
        load_default=None,
        metadata={"description": "A head noted earlier (a seal's `head` and `link`), written HEAD:LINK: "
                                 "the answer says whether the chain still holds it, so nothing was cut off "
                                 "its end since."},
    )

    @validates("since")
    def _since(self, value: str | None, **_: Any) -> None:
        if value is not None and _parse_since(value) is None:
            raise ValidationError("write the head as NOTIFICATION_ID:LINK, e.g. 42:9f86d0…(64 hex digits)")


class SinceSchema(Schema):
    head = fields.Integer(required=True)
    link = fields.String(required=True)
    holds = fields.Boolean(required=True)
    problem = fields.String(allow_none=True)


@always_present
class IntegritySchema(Schema):
    status = fields.String(metadata={"description": "ok, or broken"})
    events_verified = fields.Integer()
    head = fields.Nested(ChainHeadSchema, allow_none=True)
    first_break = fields.Nested(ChainBreakSchema, allow_none=True)
    since = fields.Nested(SinceSchema, allow_none=True, metadata={"description": "Present when asked with since="})


def _parse_since(value: str) -> tuple[int, str] | None:
    head, _, link = value.partition(":")
    if not head.isdigit() or len(head) > 18 or len(link) != 64 or any(c not in "0123456789abcdef" for c in link):
        return None
    return int(head), link


@blp.route("/integrity")
class Integrity(MethodView):
    @blp.arguments(IntegrityQuerySchema, location="query")
    @blp.response(200, IntegritySchema)
    @problems(blp, 401, 403, 422)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Recompute the event chain now and report its head and whether it holds (hr).

        With ``since``, also whether the chain still holds that earlier head: nothing was cut off.
        """
        service = case_service()
        result = service.verify_integrity(current_user())
        since = None
        status = "ok" if result.ok else "broken"
        if query.get("since") is not None and service.chain is not None:
            parsed = _parse_since(query["since"])
            assert parsed is not None
            problem = check_head(service.chain, result, *parsed)
            since = {"head": parsed[0], "link": parsed[1], "holds": problem is None, "problem": problem}
            if problem is not None:
                status = "broken"
        return {
            "status": status,
            "events_verified": result.checked,
            "head": result.head,
            "first_break": result.broken,
            "since": since,
        }
