"""A fresh id for every request, sent back as ``X-Request-Id`` and written with any failure logged."""

from __future__ import annotations

import uuid

from flask import Flask, Response, g

REQUEST_ID_HEADER = "X-Request-Id"


def current_request_id() -> str:
    """The id of the request being handled (made on first use if a hook has not run yet)."""
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return str(g.request_id)


def register_request_ids(app: Flask) -> None:
    """Give each request an id before anything else runs, and return it on every response."""

    @app.before_request
    def assign_request_id() -> None:
        current_request_id()

    @app.after_request
    def send_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = current_request_id()
        return response
