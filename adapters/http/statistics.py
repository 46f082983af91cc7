"""Anonymised statistics for work-environment representatives, HR and managers."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from adapters.http.api import API_PREFIX, ApiBlueprint, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.representations import always_present
from service.statistics import DIMENSIONS, StatisticsResult

blp = ApiBlueprint("statistics", __name__, url_prefix=API_PREFIX,
                   description="Counts of cases, never of people; no count below k can be worked out.")
blp.before_request(authenticate)

_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class StatisticsQuerySchema(Schema):
    group_by = fields.List(
        fields.String(validate=validate.OneOf(DIMENSIONS)),
        load_default=list,
        validate=validate.Length(max=len(DIMENSIONS)),
        metadata={"description": "Repeat to group by several: unit, rule, month, status, outcome, channel."},
    )
    from_ = fields.String(data_key="from", validate=validate.Regexp(_MONTH, error="must be a month, YYYY-MM"),
                          metadata={"description": "First month of the incidents counted (YYYY-MM)."})
    to = fields.String(validate=validate.Regexp(_MONTH, error="must be a month, YYYY-MM"),
                       metadata={"description": "Last month of the incidents counted (YYYY-MM)."})


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
        }
