"""Every error as RFC 9457 problem details (``application/problem+json``).

``{"type", "title", "status", "detail"}`` always; ``errors`` (by field) for invalid input,
``current_status`` and ``allowed_steps`` for a step the case's status forbids,
``current_version`` for a stale ``If-Match``, ``request_id`` for an unexpected failure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from adapters.http.request_ids import current_request_id
from domain.errors import (
    EmployeeNotHeard,
    InvalidCaseData,
    NoPolicyInForce,
    PolicyNotAcknowledged,
    PolicyStepNotAllowed,
    RoleNotPermitted,
    StepNotAllowed,
    TalkNotHeld,
)
from domain.staff import StaffMemberErased
from service.errors import AccessDenied, CaseNotFound, ConcurrentModification, VersionMismatch, VersionNotFound
from service.policies import PolicyChanged, PolicyExists, PolicyNotFound
from service.staff import StaffConflict, StaffMemberNotFound

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_TYPE_PREFIX = "urn:breachtrail:problem:"
INVALID_INPUT = _TYPE_PREFIX + "invalid-input"
STEP_NOT_ALLOWED = _TYPE_PREFIX + "step-not-allowed"
VERSION_MISMATCH = _TYPE_PREFIX + "version-mismatch"
CONCURRENT_MODIFICATION = _TYPE_PREFIX + "concurrent-modification"
NO_POLICY_IN_FORCE = _TYPE_PREFIX + "no-policy-in-force"
POLICY_STEP_NOT_ALLOWED = _TYPE_PREFIX + "policy-step-not-allowed"


class ProblemSchema(Schema):
    """RFC 9457 problem details, with this API's extension members."""

    type = fields.String(required=True, metadata={"description": "`about:blank` or a `urn:breachtrail:problem:` URN"})
    title = fields.String(required=True)
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "422: messages by field (`employee.ref`, `participants.0`; `_schema` for the body)."},
    )
    current_status = fields.String(metadata={"description": "409: the case's status."})
    allowed_steps = fields.List(fields.String(), metadata={"description": "409: the steps allowed now."})
    step = fields.String(metadata={"description": "409: the step that was refused."})
    current_version = fields.Integer(allow_none=True, metadata={"description": "412: the case's version now."})
    request_id = fields.String(metadata={"description": "500, 503: quote it when reporting the failure."})
    check = fields.String(metadata={"description": "503 from /readyz: database, schema or projections."})
    schema_version = fields.Integer(allow_none=True, metadata={"description": "503 from /readyz: the database's."})
    projection_lag = fields.Integer(metadata={"description": "503 from /readyz: events the read side is behind."})


def problem(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A problem+json response."""
    body = {"type": type_, "title": title or HTTPStatus(status).phrase, "status": status, "detail": detail}
    body.update(extensions)
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_problem(error: HTTPException) -> Response:
    """A problem for an HTTP error raised by routing, request parsing or ``abort``."""
    status = error.code or 500
    if status >= 500:
        return unexpected_problem(error)
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 422 and messages is not None:
        return invalid_input(field_errors(messages), "The request does not meet the API's rules; see errors.")
    if status == 400 and messages is not None:
        return problem(400, "The request body is not valid JSON.", headers=headers)
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return problem(413, f"The request body exceeds the limit of {limit} bytes.", headers=headers)
    return problem(status, error.description or HTTPStatus(status).phrase, headers=headers)


def invalid_input(errors: dict[str, list[str]], detail: str) -> Response:
    return problem(422, detail, type_=INVALID_INPUT, title="Invalid input", errors=errors)


def unexpected_problem(error: BaseException) -> Response:
    """Log an unexpected failure with the request id; tell the client only that id."""
    request_id = current_request_id()
    logger.error("unexpected error handling %s %s (request id %s)", request.method, request.path, request_id,
                 exc_info=error)
    return problem(
        500,
        "The service failed to handle this request. The failure has been logged; quote the request id "
        "when reporting it.",
        request_id=request_id,
    )


def field_errors(messages: Any) -> dict[str, list[str]]:
    """Webargs' messages as one flat mapping by field: ``{"employee.ref": [...]}``.

    Webargs files messages under the location they came from (``json``, ``query``); each
    route reads one body or one query string, so the location is left out.
    """
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for location_messages in messages.values():
            _merge(flat, _flatten(location_messages, ""))
    else:
        _merge(flat, _flatten(messages, ""))
    return flat


def _flatten(messages: Any, prefix: str) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            _merge(flat, _flatten(value, _field_name(prefix, key)))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, Mapping | list | tuple):
                _merge(flat, _flatten(item, prefix))
            else:
                flat.setdefault(prefix or "_schema", []).append(str(item))
    else:
        flat.setdefault(prefix or "_schema", []).append(str(messages))
    return flat


def _field_name(prefix: str, key: Any) -> str:
    # Marshmallow files errors of a whole (nested) object under "_schema".
    if key == "_schema":
        return prefix or "_schema"
    return f"{prefix}.{key}" if prefix else str(key)


def _merge(into: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for name, texts in more.items():
        into.setdefault(name, []).extend(texts)


def register_problem_handlers(app: Flask) -> None:
    """Answer every domain and service error, and anything unexpected, with a problem."""

    @app.errorhandler(InvalidCaseData)
    def invalid_case_data(error: InvalidCaseData) -> Response:
        return invalid_input(error.errors, str(error))

    @app.errorhandler(StepNotAllowed)
    def step_not_allowed(error: StepNotAllowed) -> Response:
        kind = {EmployeeNotHeard: "employee-not-heard", TalkNotHeld: "talk-not-held"}.get(type(error))
        return problem(
            409,
            str(error),
            type_=_TYPE_PREFIX + kind if kind else STEP_NOT_ALLOWED,
            title="Step not allowed",
            step=error.step.value,
            current_status=error.status.value,
            allowed_steps=[step.value for step in error.allowed],
        )

    @app.errorhandler(PolicyNotAcknowledged)
    def policy_not_acknowledged(error: PolicyNotAcknowledged) -> Response:
        return problem(
            409, str(error), type_=_TYPE_PREFIX + "policy-not-acknowledged",
            title="The employee had not acknowledged the policy", step=error.step.value,
            current_status=error.status.value, allowed_steps=[step.value for step in error.allowed],
            missing_acknowledgement={"policy_id": error.policy.policy_id, "version": error.policy.version},
            required_field="unacknowledged_policy_reason",
        )

    @app.errorhandler(StaffConflict)
    @app.errorhandler(StaffMemberErased)
    def staff_conflict(error: Exception) -> Response:
        return problem(409, str(error), title="Conflict")

    @app.errorhandler(StaffMemberNotFound)
    def staff_member_not_found(error: Exception) -> Response:
        return problem(404, str(error))

    @app.errorhandler(RoleNotPermitted)
    @app.errorhandler(AccessDenied)
    def forbidden(error: Exception) -> Response:
        return problem(403, str(error))

    @app.errorhandler(CaseNotFound)
    @app.errorhandler(VersionNotFound)
    def not_found(error: Exception) -> Response:
        return problem(404, str(error))

    @app.errorhandler(VersionMismatch)
    def version_mismatch(error: VersionMismatch) -> Response:
        return problem(412, str(error), type_=VERSION_MISMATCH, title="The case has moved on",
                       current_version=error.current)

    @app.errorhandler(ConcurrentModification)
    def concurrent_modification(error: ConcurrentModification) -> Response:
        return problem(409, str(error), type_=CONCURRENT_MODIFICATION, title="Concurrent modification")

    @app.errorhandler(NoPolicyInForce)
    def no_policy_in_force(error: NoPolicyInForce) -> Response:
        return problem(409, str(error), type_=NO_POLICY_IN_FORCE, title="No policy in force")

    @app.errorhandler(PolicyStepNotAllowed)
    @app.errorhandler(PolicyExists)
    @app.errorhandler(PolicyChanged)
    def policy_conflict(error: Exception) -> Response:
        return problem(409, str(error), type_=POLICY_STEP_NOT_ALLOWED, title="Policy step not allowed")

    @app.errorhandler(PolicyNotFound)
    def policy_not_found(error: PolicyNotFound) -> Response:
        return problem(404, str(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        return unexpected_problem(error)
