"""The state of the tamper-evident trail, for HR: its chains now, and whether earlier seals still hold."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates

from adapters.composition import seal_signer
from adapters.http.api import API_PREFIX, ApiBlueprint, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.representations import always_present
from service.seals import InvalidSeal, Seal, check_head, check_seals
from service.trail import check_trail

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
class PolicyChainSchema(Schema):
    events_verified = fields.Integer()
    head = fields.Nested(ChainHeadSchema, allow_none=True, metadata={"description": "`case_id` is the policy's id"})
    first_break = fields.Nested(ChainBreakSchema, allow_none=True)


@always_present
class AccessLogStateSchema(Schema):
    entries_verified = fields.Integer()
    chains = fields.Integer()
    problems = fields.List(fields.String())


@always_present
class IntegritySchema(Schema):
    status = fields.String(metadata={"description": "ok, or broken (any part below)"})
    events_verified = fields.Integer()
    head = fields.Nested(ChainHeadSchema, allow_none=True)
    first_break = fields.Nested(ChainBreakSchema, allow_none=True)
    policies = fields.Nested(PolicyChainSchema, allow_none=True, metadata={"description": "The policy events' chain"})
    access_log = fields.Nested(AccessLogStateSchema, allow_none=True)
    statistics_problems = fields.List(fields.String(), metadata={
        "description": "Released statistics tables whose stored text no longer matches their recorded hash"})
    since = fields.Nested(SinceSchema, allow_none=True, metadata={"description": "Present when asked with since="})


MAX_SEALS = 400


class SealsSchema(Schema):
    # A year of daily seals fits; the check's cost is bounded by the count, not by the client.
    seals = fields.List(fields.Dict(), required=True, validate=validate.Length(max=MAX_SEALS), metadata={
        "description": "Seals as 'breachtrail integrity seal' wrote them, each line parsed as an object "
                       f"(at most {MAX_SEALS})"})

    @validates("seals")
    def _seals(self, value: list[dict[str, Any]], **_: Any) -> None:
        for number, document in enumerate(value):
            try:
                Seal.from_document(document)
            except InvalidSeal as error:
                raise ValidationError(f"seal {number}: {error}") from None


class SealCheckSchema(Schema):
    sealed_at = fields.String(required=True)
    head = fields.Integer(required=True)
    holds = fields.Boolean(required=True)
    problems = fields.List(fields.String(), required=True)


class SealChecksSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok when every seal holds, else broken"})
    seals = fields.List(fields.Nested(SealCheckSchema), required=True)


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
        """Recompute the event and policy chains, the access log and the releases' hashes now (hr).

        With ``since``, also whether the event chain still holds that earlier head: nothing was cut
        off. To check whole seals (every chain's head), POST them to ``/integrity/seals``.
        """
        service = case_service()
        state = check_trail(service.trail(current_user()))
        result = state.events
        since = None
        status = "ok" if state.ok else "broken"
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
            "policies": None if state.policies is None else {
                "events_verified": state.policies.checked, "head": state.policies.head,
                "first_break": state.policies.broken},
            "access_log": None if state.access_log is None else {
                "entries_verified": state.access_log.checked, "chains": len(state.access_log.heads),
                "problems": state.access_log.problems},
            "statistics_problems": state.releases.problems,
            "since": since,
        }


@blp.route("/integrity/seals")
class SealChecks(MethodView):
    @blp.arguments(SealsSchema)
    @blp.response(200, SealChecksSchema)
    @problems(blp, 400, 401, 403, 413, 415, 422)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Whether each seal still holds: nothing cut off any chain's end, no sealed release rewritten (hr).

        Send the seals file's lines, each parsed; every part a seal signed is checked.
        """
        service = case_service()
        trail = service.trail(current_user())
        seals = [Seal.from_document(document) for document in body["seals"]]
        checks = check_seals(trail, check_trail(trail), seal_signer(current_app.config["SETTINGS"]), seals)
        return {
            "status": "ok" if all(check.ok for check in checks) else "broken",
            "seals": [{"sealed_at": c.seal.sealed_at, "head": c.seal.head, "holds": c.ok, "problems": list(c.problems)}
                      for c in checks],
        }
