"""``create_app()``: the composition root of the web service."""

from __future__ import annotations

import atexit
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from adapters.composition import (
    build_case_service,
    build_reminders,
    build_staff_service,
    build_user_contacts,
    build_user_store,
    check_schema,
    close_case_service,
)
from adapters.config import Settings
from adapters.http import calendar, cases, deadlines, health, integrity, policy, records, staff, statistics, steps
from adapters.http.api import API_PREFIX, ProblemApi, api_settings
from adapters.http.availability import register_availability_handlers
from adapters.http.context import CASE_SERVICE, REMINDERS, STAFF_SERVICE, USER_CONTACTS, USER_STORE
from adapters.http.docs import docs_assets_blueprint, docs_settings
from adapters.http.fields import PlausibleDate
from adapters.http.observability import register_observability
from adapters.http.problems import register_problem_handlers
from adapters.http.request_ids import register_request_ids
from adapters.http.security_headers import register_security_headers
from adapters.http.server_errors import MAX_BODY_BYTES
from domain.validation import DateBounds


def document_date_bounds(api: ProblemApi, settings: Settings) -> None:
    """State this installation's date bounds on every date field of the document.

    OpenAPI has no minimum for a date string, so the bounds are extensions: ``x-earliest-date``
    and, for days that may lie ahead, ``x-horizon-days`` (past days end today).
    """
    bounds = DateBounds(settings.earliest_date)

    def date_bounds(converter: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if not isinstance(field, PlausibleDate):
            return {}
        extra: dict[str, Any] = {"x-earliest-date": bounds.earliest.isoformat()}
        extra["x-horizon-days" if field.ahead else "x-latest-date"] = bounds.horizon_days if field.ahead else "today"
        return extra

    api.ma_plugin.converter.add_attribute_function(date_bounds)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app and its service from ``BREACHTRAIL_*`` settings (or ``config``)."""
    config = dict(config or {})
    settings = config.pop("SETTINGS", None) or Settings.from_environ()
    app = Flask("breachtrail")
    app.config.update(SETTINGS=settings, MAX_CONTENT_LENGTH=MAX_BODY_BYTES, **api_settings(), **docs_settings())
    app.config.update(config)

    service = build_case_service(settings)
    users = build_user_store(service, settings)
    check_schema(service, settings)
    app.extensions[CASE_SERVICE] = service
    app.extensions[USER_STORE] = users
    app.extensions[REMINDERS] = build_reminders(service, settings)
    app.extensions[USER_CONTACTS] = build_user_contacts(service, settings)
    app.extensions[STAFF_SERVICE] = build_staff_service(service, settings)
    atexit.register(close_case_service, service)

    register_request_ids(app)
    register_observability(app)
    register_security_headers(app, docs_path=f"{API_PREFIX}/docs")
    api = ProblemApi(app)
    document_date_bounds(api, settings)
    register_problem_handlers(app)
    register_availability_handlers(app)
    for blueprint in (health.blp, policy.blp, cases.blp, steps.blp, records.blp, statistics.blp, integrity.blp,
                      deadlines.blp, staff.blp):
        api.register_blueprint(blueprint)
    # Outside /api/v1 and its document: calendar programs fetch it with the secret in the address.
    app.register_blueprint(calendar.blp)
    app.register_blueprint(docs_assets_blueprint())
    if settings.proxy_hops:
        # X-Forwarded-* are believed only as far as the configured proxies set them; 0 ignores them all.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,  # type: ignore[method-assign]
                                x_prefix=hops)
    return app
