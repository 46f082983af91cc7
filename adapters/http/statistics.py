"""Anonymised statistics for work-environment representatives, HR and managers, from released months."""

from __future__ import annotations

import re
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from adapters.http.api import API_PREFIX, ApiBlueprint, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.problems import problem
from adapters.http.representations import always_present
from domain.values import Role
from service.statistics import DIMENSIONS, StatisticsResult
from service.statistics_release import ReleaseRecord
from service.statistics_use_cases import StatisticsNotReady

blp = ApiBlueprint("statistics", __name__, url_prefix=API_PREFIX,
                   description="Counts of cases, never of people; no count below k can be worked out.")
blp.before_request(authenticate)

# ASCII digits only: ``\d`` would let other scripts' digits through to the service.
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$", re.ASCII)


class StatisticsQuerySchema(Schema):
    group_by = fields.List(
        fields.String(validate=validate.OneOf(DIMENSIONS)),
        load_default=list,
        validate=validate.Length(max=len(DIMENSIONS)),
        metadata={"description": "Repeat to group by several: unit, rule, month, status, outcome, channel."},
    )
    from_ = fields.String(data_key="from", validate=validate.Regexp(_MONTH, error="must be a month, YYYY-MM"),
                          metadata={"description": "First released month counted (YYYY-MM)."})
    to = fields.String(validate=validate.Regexp(_MONTH, error="must be a month, YYYY-MM"),
                       metadata={"description": "Last released month counted (YYYY-MM)."})


class StatisticsRowSchema(Schema):
    """One cell: the values it is grouped by (only the dimensions asked for), and its count."""

    unit = fields.String()
    rule = fields.String()
    month = fields.String()
    status = fields.String()
    outcome = fields.String(allow_none=True, metadata={"description": "null: cases still open"})
    channel = fields.String()
    count = fields.Integer(required=True, allow_none=True, metadata={"description": "null when suppressed"})
    suppressed = fields.Boolean(required=True)
    count_min = fields.Integer(required=True, metadata={
        "description": "The count is at least this (a sum of whole groups of at least k cases)."})
    count_max = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The count is at most this; null when no bound can be given safely."})


@always_present
class StatisticsSchema(Schema):
    k = fields.Integer(metadata={"description": "No published count is below k."})
    group_by = fields.List(fields.String())
    from_ = fields.String(data_key="from", allow_none=True)
    to = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(StatisticsRowSchema))
    total = fields.Integer(allow_none=True, metadata={"description": "Distinct cases in the period; null when "
                                                                     "suppressed"})
    total_min = fields.Integer()
    total_max = fields.Integer(allow_none=True)
    releases = fields.List(fields.Nested(lambda: ReleaseRefSchema()), metadata={
        "description": "The released months this answer is built from, each with the hash of its table."})


class ReleaseRefSchema(Schema):
    period = fields.String(metadata={"description": "YYYY-MM"})
    hash = fields.String(metadata={"description": "SHA-256 of the released table"})


@always_present
class ReleaseSchema(Schema):
    period = fields.String(metadata={"description": "The month released (YYYY-MM)."})
    released_at = fields.DateTime()
    hash = fields.String(metadata={"description": "SHA-256 of the released table, which never changes."})
    released_by = fields.String(metadata={"description": "Who released it (shown to HR only)."})


class ReleaseRequestSchema(Schema):
    period = fields.String(validate=validate.Regexp(_MONTH, error="must be a month, YYYY-MM"), metadata={
        "description": "Release this month only."})
    through = fields.String(validate=validate.Regexp(_MONTH, error="must be a month, YYYY-MM"), metadata={
        "description": "Release every unreleased month up to this one (default: every month that has ended)."})


class ReleaseOutcomeSchema(ReleaseSchema):
    released_now = fields.Boolean(metadata={"description": "false: the month had been released before"})


@blp.errorhandler(StatisticsNotReady)
def not_ready(error: StatisticsNotReady) -> Response:
    return problem(409, str(error), title="Statistics not ready")


def _release(record: ReleaseRecord) -> dict[str, Any]:
    shown = {"period": record.period, "released_at": record.released_at, "hash": record.hash}
    if current_user().role is Role.HR:
        shown["released_by"] = record.released_by
    return shown


@blp.route("/statistics")
class Statistics(MethodView):
    @blp.arguments(StatisticsQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, StatisticsSchema)
    @problems(blp, 401, 403)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Count cases by unit, rule, month, status, outcome or channel (rep, hr, manager: all see the same)."""
        result: StatisticsResult = case_service().statistics(
            current_user(), group_by=query["group_by"], from_month=query.get("from_"), to_month=query.get("to")
        )
        return {
            "k": result.k,
            "group_by": result.group_by,
            "from_": result.from_month,
            "to": result.to_month,
            "rows": [
                {**row.values, "count": row.count, "suppressed": row.suppressed,
                 "count_min": row.count_min, "count_max": row.count_max}
                for row in result.rows
            ],
            "total": result.total,
            "total_min": result.total_min,
            "total_max": result.total_max,
            "releases": [{"period": period, "hash": digest} for period, digest in result.releases],
        }


@blp.route("/statistics/releases")
class StatisticsReleases(MethodView):
    @blp.response(200, ReleaseSchema(many=True))
    @problems(blp, 401, 403)
    def get(self) -> list[dict[str, Any]]:
        """Every month released so far: when, its hash (and for HR, by whom); released tables never change."""
        return [_release(record) for record in case_service().statistics_releases(current_user())]

    @blp.arguments(ReleaseRequestSchema, unknown=RAISE)
    @blp.response(200, ReleaseOutcomeSchema(many=True))
    @problems(blp, 400, 401, 403, 409, 413, 415, 422)
    def post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Release months that have ended (HR): one, or every unreleased one up to ``through``. Idempotent."""
        done = case_service().release_statistics(current_user(), period=body.get("period"),
                                                 through=body.get("through"))
        return [{**_release(record), "released_now": made} for record, made in done]
