"""Deadlines and reminder runs: what needs doing (manager: own units; hr: all), and whether mail went out."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from adapters.http.api import API_PREFIX, ApiBlueprint, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service, reminders
from adapters.http.representations import always_present
from domain.deadlines import DeadlineKind
from domain.values import Step
from service.deadlines import DeadlineItem
from service.reminders import ReminderRun

blp = ApiBlueprint("deadlines", __name__, url_prefix=API_PREFIX,
                   description="Deadlines derived from the cases' events, and the runs that mail reminders of them.")
blp.before_request(authenticate)

_KINDS = [kind.value for kind in DeadlineKind]


class DeadlineQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(_KINDS), metadata={"description": "Only this kind."})
    due_before = fields.Date(metadata={"description": "Only deadlines due before this day (YYYY-MM-DD)."})


@always_present
class DeadlineSchema(Schema):
    case_id = fields.String(allow_none=True, metadata={"description": "The case; null for deadlines of a policy"})
    kind = fields.String(validate=validate.OneOf(_KINDS))
    due_on = fields.Date()
    resolved_by_step = fields.String(
        allow_none=True, validate=validate.OneOf([s.value for s in Step]),
        metadata={"description": "The step (route name) that resolves it; null: nothing to do but take note"},
    )
    unit = fields.String()
    overdue = fields.Boolean(metadata={"description": "due_on lies before today"})
    remind_on = fields.Date(metadata={"description": "The day a reminder of it is mailed"})
    reminder_due = fields.Boolean(metadata={"description": "remind_on is today or earlier"})
    subject = fields.String(metadata={"description": "case (policy or employee for deadlines of those)"})
    subject_id = fields.String()


class RunsQuerySchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


@always_present
class ReminderRunSchema(Schema):
    id = fields.Integer()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    outcome = fields.String(metadata={"description": "running, ok, failed, or interrupted (the run was killed)"})
    digests_sent = fields.Integer(metadata={"description": "Mails the server accepted"})
    reminders_sent = fields.Integer()
    failures = fields.Integer()
    problem = fields.String(allow_none=True, metadata={"description": "Why mails failed: never an address or content"})


@blp.route("/deadlines")
class Deadlines(MethodView):
    @blp.arguments(DeadlineQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, DeadlineSchema(many=True))
    @problems(blp, 401, 403)
    def get(self, query: dict[str, Any]) -> list[DeadlineItem]:
        """The caller's deadlines, overdue first, then by due date (manager: own units; hr: all)."""
        return case_service().deadlines(current_user(), **query)


@blp.route("/reminders/runs")
class ReminderRuns(MethodView):
    @blp.arguments(RunsQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, ReminderRunSchema(many=True))
    @problems(blp, 401, 403)
    def get(self, query: dict[str, Any]) -> list[ReminderRun]:
        """The latest runs of `breachtrail reminders send`, newest first, with their outcome (hr)."""
        return reminders().runs(current_user(), limit=query["limit"])
