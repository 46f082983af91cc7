"""Policies: read them (every role) and take them through their steps (HR); the rules in force.

Each step is a ``POST`` that appends one event to the policy and answers with the whole policy,
so a client sees the consultation's responses, approvals and what is in force at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from flask.views import MethodView
from marshmallow import RAISE

from adapters.http.api import API_PREFIX, ApiBlueprint, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.policy_schemas import (
    AdaptationSchema,
    ApprovalSchema,
    ConsultationClosureSchema,
    ConsultationSchema,
    DraftPolicySchema,
    EntryIntoForceSchema,
    PolicyOut,
    PolicySummaryOut,
    ResponseSchema,
    ReviseSchema,
    RulesQuerySchema,
    SupersessionSchema,
    VersionQuerySchema,
    VersionTextOut,
    WithdrawalSchema,
)
from adapters.http.representations import PolicyRuleSchema
from service.policies import PolicyService

blp = ApiBlueprint("policy", __name__, url_prefix=API_PREFIX,
                   description="The policy in its own words: versions, consultation, approval, force.")
blp.before_request(authenticate)

Answer = dict[str, Any]
_POLICY = "/policies/<string(maxlength=64):policy_id>"
_VERSION = _POLICY + "/versions/<int(min=1,max=2147483647):version>"


def policies() -> PolicyService:
    service = case_service().policies
    if service is None:
        raise RuntimeError("this installation was built without policies")
    return service


@blp.route("/policy/rules")
class PolicyRules(MethodView):
    @blp.arguments(RulesQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, PolicyRuleSchema(many=True))
    @problems(blp, 401, 409)
    def get(self, query: dict[str, Any]) -> list[dict[str, str]]:
        """The rules in force for a unit on a date (default: the area's guideline today), by section (every role)."""
        _, rules = policies().rules_in_force(current_user(), query["unit"], query["on"])
        return rules


@blp.route("/policies")
class PolicyCollection(MethodView):
    @blp.response(200, PolicySummaryOut(many=True))
    @problems(blp, 401)
    def get(self) -> list[Answer]:
        """Every policy and its versions' status, newest first (every role)."""
        return policies().list_policies(current_user())

    @blp.arguments(DraftPolicySchema)
    @blp.response(201, PolicyOut)
    @problems(blp, 400, 401, 403, 404, 409, 413, 415)
    def post(self, body: dict[str, Any]) -> tuple[Answer, int, dict[str, str]]:
        """Draft a new policy from its first text (hr); its id is the text's key."""
        based_on = body["based_on"] or {}
        policy = policies().draft(
            current_user(), text=body["text"], scope_unit=(body["scope"] or {}).get("unit"),
            based_on_policy=based_on.get("id"), based_on_version=based_on.get("version"),
        )
        return policy, 201, {"Location": url_for(".PolicyResource", policy_id=policy["id"])}


@blp.route(_POLICY)
class PolicyResource(MethodView):
    @blp.response(200, PolicyOut)
    @problems(blp, 401, 404)
    def get(self, policy_id: str) -> Answer:
        """A policy: versions, status, consultation with responses, approvals, adaptations (every role)."""
        return policies().get_policy(current_user(), policy_id)


@blp.route(_POLICY + "/versions")
class PolicyVersions(MethodView):
    @blp.arguments(ReviseSchema)
    @blp.response(201, PolicyOut)
    @problems(blp, 400, 401, 403, 404, 409, 413, 415)
    def post(self, body: dict[str, Any], policy_id: str) -> tuple[Answer, int]:
        """Revise: a new version of the text; earlier versions stay as they were (hr)."""
        return policies().revise(current_user(), policy_id, text=body["text"]), 201


@blp.route(_VERSION)
class PolicyVersion(MethodView):
    @blp.arguments(VersionQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, VersionTextOut)
    @problems(blp, 401, 404)
    def get(self, query: dict[str, Any], policy_id: str, version: int) -> Answer:
        """A version's full text by section; ?unit= shows that unit's adaptation of it (every role)."""
        return policies().get_version(current_user(), policy_id, version, query["unit"])


def _step(route: str, schema: type, summary: str, call: Any) -> None:
    """Register ``POST <version>/<route>``: validate ``schema``, call the service, answer the policy."""

    class Step(MethodView):
        @blp.arguments(schema)
        @blp.response(200, PolicyOut)
        @problems(blp, 400, 401, 403, 404, 409, 413, 415)
        def post(self, body: dict[str, Any], policy_id: str, version: int) -> Answer:
            return call(policies(), current_user(), policy_id, version, body)

    Step.post.__doc__ = summary
    Step.__name__ = "Policy" + "".join(part.title() for part in route.replace("/", "-").split("-"))
    blp.route(_VERSION + "/" + route)(Step)


_step("consultation", ConsultationSchema, "Send the version to consultation in named bodies, with a deadline (hr).",
      lambda s, u, p, v, b: s.send_to_consultation(u, p, v, bodies=b["bodies"], deadline=b["deadline"],
                                                    sent_on=b["sent_on"]))
_step("consultation/responses", ResponseSchema, "Record a consulted body's answer while consultation is open (hr).",
      lambda s, u, p, v, b: s.record_response(u, p, v, **b))
_step("consultation/closure", ConsultationClosureSchema, "Close the consultation (hr).",
      lambda s, u, p, v, b: s.close_consultation(u, p, v, closed_on=b["closed_on"]))
_step("approval", ApprovalSchema, "Record the approval of the version: body, meeting and reference (hr).",
      lambda s, u, p, v, b: s.approve(u, p, v, **b))
_step("entry-into-force", EntryIntoForceSchema, "Bring an approved version into force from a date (hr).",
      lambda s, u, p, v, b: s.bring_into_force(u, p, v, in_force_from=b["in_force_from"]))
_step("adaptations", AdaptationSchema,
      "Record a unit's adaptation of the version, approved by its LMU; it may add or reword rules, not drop them (hr).",
      lambda s, u, p, v, b: s.adapt_for_unit(u, p, v, **b))


@blp.route(_POLICY + "/withdrawal")
class PolicyWithdrawal(MethodView):
    @blp.arguments(WithdrawalSchema)
    @blp.response(200, PolicyOut)
    @problems(blp, 400, 401, 403, 404, 409, 413, 415)
    def post(self, body: dict[str, Any], policy_id: str) -> Answer:
        """Withdraw the policy from a date; its history stays (hr)."""
        on: date = body["on"]
        return policies().withdraw(current_user(), policy_id, on=on, reason=body["reason"])


@blp.route(_POLICY + "/supersession")
class PolicySupersession(MethodView):
    @blp.arguments(SupersessionSchema)
    @blp.response(200, PolicyOut)
    @problems(blp, 400, 401, 403, 404, 409, 413, 415)
    def post(self, body: dict[str, Any], policy_id: str) -> Answer:
        """Record that another policy takes over from a date (hr)."""
        return policies().supersede(current_user(), policy_id, by_policy=body["by"], on=body["on"])
