"""``create_app()``: the composition root of the web service."""

from __future__ import annotations

import atexit
from typing import Any

from flask import Flask, jsonify
from sqlalchemy import text

from adapters.composition import build_case_service, close_case_service
from adapters.config import Settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app and its service from ``BREACHTRAIL_*`` settings (or ``config``)."""
    app = Flask("breachtrail")
    settings = (config or {}).get("SETTINGS") or Settings.from_environ()
    app.config["SETTINGS"] = settings
    service = build_case_service(settings)
    app.extensions["breachtrail.cases"] = service
    atexit.register(close_case_service, service)

    @app.get("/healthz")
    def healthz() -> Any:
        engine = service.factory.datastore.engine  # type: ignore[attr-defined]
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return jsonify(status="unavailable", detail="the database does not answer"), 503
        return jsonify(status="ok")

    return app
