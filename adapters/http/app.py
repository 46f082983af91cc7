"""``create_app()``: the composition root of the web service."""

from __future__ import annotations

import atexit
from typing import Any

from flask import Flask

from adapters.composition import build_case_service, build_user_store, close_case_service
from adapters.config import Settings
from adapters.http import cases, health, integrity, policy, records, statistics, steps
from adapters.http.api import API_PREFIX, ProblemApi, api_settings
from adapters.http.context import CASE_SERVICE, USER_STORE
from adapters.http.docs import docs_assets_blueprint, docs_settings
from adapters.http.problems import register_problem_handlers
from adapters.http.request_ids import register_request_ids
from adapters.http.security_headers import register_security_headers

#: Requests larger than this are refused with 413 before they are read.
MAX_BODY_BYTES = 64 * 1024


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app and its service from ``BREACHTRAIL_*`` settings (or ``config``)."""
    config = dict(config or {})
    settings = config.pop("SETTINGS", None) or Settings.from_environ()
    app = Flask("breachtrail")
    app.config.update(SETTINGS=settings, MAX_CONTENT_LENGTH=MAX_BODY_BYTES, **api_settings(), **docs_settings())
    app.config.update(config)

    service = build_case_service(settings)
    users = build_user_store(service, settings)
    app.extensions[CASE_SERVICE] = service
    app.extensions[USER_STORE] = users
    atexit.register(close_case_service, service)

    register_request_ids(app)
    register_security_headers(app, docs_path=f"{API_PREFIX}/docs")
    api = ProblemApi(app)
    register_problem_handlers(app)
    for blueprint in (health.blp, policy.blp, cases.blp, steps.blp, records.blp, statistics.blp, integrity.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_assets_blueprint())
    return app
