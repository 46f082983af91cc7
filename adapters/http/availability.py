"""A database that is away, full or read-only answers 503 problem+json, never 500.

Such a failure says nothing about the request: the client may send it again once the database
is back (``Retry-After``). The service recovers by itself: the engines check connections on
checkout, so the first request after the database returns gets a fresh one.
"""

from __future__ import annotations

import logging
import sqlite3

from eventsourcing.persistence import PersistenceError
from flask import Flask, Response, request
from sqlalchemy.exc import SQLAlchemyError

from adapters.composition import database_unavailable
from adapters.http.problems import problem, unexpected_problem
from adapters.http.request_ids import current_request_id

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "urn:breachtrail:problem:database-unavailable"
RETRY_AFTER_SECONDS = 5


def unavailable_problem(reason: str) -> Response:
    """503: the database cannot take this request now; nothing was stored."""
    return problem(
        503,
        f"The service cannot use its database right now ({reason}); nothing was changed. Try again shortly.",
        type_=DATABASE_UNAVAILABLE,
        title="Database unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        request_id=current_request_id(),
    )


def register_availability_handlers(app: Flask) -> None:
    """Answer database errors that mean "not now" with 503; any other database error stays a 500."""

    @app.errorhandler(PersistenceError)
    @app.errorhandler(SQLAlchemyError)
    @app.errorhandler(sqlite3.Error)
    def database_error(error: Exception) -> Response:
        reason = database_unavailable(error)
        if reason is None:
            return unexpected_problem(error)
        logger.warning("database unavailable handling %s %s (request id %s): %s", request.method,
                       request.url_rule.rule if request.url_rule else "-", current_request_id(), reason)
        return unavailable_problem(reason)
