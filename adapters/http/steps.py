"""The steps of a case: each ``POST`` appends one event and answers with the updated case.

``If-Match: "<version>"`` makes a step conditional; the case's new version comes back as
its ``ETag``. Which role may take which step, from which status, is the service's and the
domain's to decide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema

from adapters.http.api import API_PREFIX, ETAG_HEADER, IF_MATCH, ApiBlueprint, no_store, problems
from adapters.http.auth import authenticate, current_user
from adapters.http.context import case_service
from adapters.http.etags import etag, expected_version
from adapters.http.links import with_case_links
from adapters.http.representations import CaseSchema
from adapters.http.schemas import (
    AssessmentSchema,
    ClosureSchema,
    ErasureSchema,
    EscalationSchema,
    HearingSchema,
    NoteSchema,
    ReopeningSchema,
    StatementSchema,
    TalkSchema,
    WarningSchema,
)
from service.views import CaseView

blp = ApiBlueprint("steps", __name__, url_prefix=API_PREFIX, description="Take a case through its steps.")
blp.before_request(authenticate)
blp.after_request(no_store)

Answer = tuple[CaseView, dict[str, str]]
Step = Callable[[MethodView, dict[str, Any], UUID], Answer]


def step(body: type[Schema]) -> Callable[[Step], Step]:
    """A step route: reads ``body``, honours If-Match, answers the case with its new ETag."""

    def decorate(view: Step) -> Step:
        view = problems(blp, 400, 401, 403, 404, 409, 412, 413, 415)(view)
        view = blp.doc(parameters=[IF_MATCH], **with_case_links(200))(view)
        view = blp.response(200, CaseSchema, headers={"ETag": ETAG_HEADER})(view)
        decorated: Step = blp.arguments(body)(view)
        return decorated

    return decorate


@blp.route("/cases/<uuid:case_id>/assessment")
class Assessment(MethodView):
    @step(AssessmentSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Assess the incident: a work-environment matter or not, and how serious (manager, hr)."""
        case = case_service().assess(current_user(), case_id, expected_version=expected_version(), **body)
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/hearing")
class Hearing(MethodView):
    @step(HearingSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Ask the employee for their account by a deadline, ten working days by default (manager, hr)."""
        case = case_service().open_hearing(current_user(), case_id, expected_version=expected_version(), **body)
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/statements")
class Statements(MethodView):
    @step(StatementSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Record the employee's own account (manager, hr)."""
        case = case_service().record_statement(
            current_user(), case_id, expected_version=expected_version(), **body
        )
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/talks")
class Talks(MethodView):
    @step(TalkSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Record a disciplinary talk (manager, hr)."""
        case = case_service().hold_talk(current_user(), case_id, expected_version=expected_version(), **body)
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/warnings")
class Warnings(MethodView):
    @step(WarningSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Issue a written warning: after a talk, once the employee was heard (manager, hr)."""
        case = case_service().issue_warning(current_user(), case_id, expected_version=expected_version(), **body)
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/escalation")
class Escalation(MethodView):
    @step(EscalationSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Escalate beyond a written warning (hr)."""
        case = case_service().escalate(current_user(), case_id, expected_version=expected_version(), **body)
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/notes")
class Notes(MethodView):
    @step(NoteSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Add a note to an open case (manager, hr)."""
        case = case_service().add_note(current_user(), case_id, expected_version=expected_version(), **body)
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/closure")
class Closure(MethodView):
    @step(ClosureSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Close the case with an outcome (manager, hr)."""
        case = case_service().close_case(current_user(), case_id, expected_version=expected_version(), **body)
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/reopening")
class Reopening(MethodView):
    @step(ReopeningSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Reopen a closed case; it returns to the status it was closed from (hr)."""
        case = case_service().reopen(current_user(), case_id, expected_version=expected_version(), **body)
        return case, etag(case)


@blp.route("/cases/<uuid:case_id>/erasure")
class Erasure(MethodView):
    @step(ErasureSchema)
    def post(self, body: dict[str, Any], case_id: UUID) -> Answer:
        """Erase the personal data of a closed case; the facts of its trail remain (hr)."""
        case = case_service().erase_personal_data(
            current_user(), case_id, expected_version=expected_version(), **body
        )
        return case, etag(case)
