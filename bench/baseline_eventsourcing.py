"""The second write baseline: a bare ``eventsourcing`` Application, the library a user would pick instead.

One event per request, stored with ``eventsourcing_sqlalchemy`` in the same database, behind
the same Flask and gunicorn settings and the same JSON body as ``POST /cases``; no encryption,
no read model, no chain, no authentication. What breachtrail adds on top of the library is
what the ratio against this measures.
"""

from __future__ import annotations

import os
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from flask import Flask, request


class Report(Aggregate):
    """An incident as the request describes it, stored as it came."""

    @event("Reported")
    def __init__(self, unit: str, employee: dict[str, Any], occurred_on: str, rules: list[str], channel: str,
                 description: str):
        self.unit = unit
        self.employee = employee
        self.occurred_on = occurred_on
        self.rules = rules
        self.channel = channel
        self.description = description


class BareReports(Application):
    """Stores each report as one event; its events table is ``barereports_events``."""

    def report(self, body: dict[str, Any]) -> Report:
        report = Report(unit=str(body["unit"]), employee=dict(body["employee"]), occurred_on=str(body["occurred_on"]),
                        rules=[str(r) for r in body["rules"]], channel=str(body["channel"]),
                        description=str(body["description"]))
        self.save(report)
        return report


def _environment(database_url: str, *, create_table: bool) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": database_url,
            "CREATE_TABLE": "yes" if create_table else "no"}


def create_table(database_url: str) -> None:
    """Create the events table once, before the workers start (they do not race to create it)."""
    application = BareReports(env=_environment(database_url, create_table=True))
    application.close()


def create_app() -> Flask:
    app = Flask("breachtrail-baseline-eventsourcing")
    reports = BareReports(env=_environment(os.environ["BREACHTRAIL_DATABASE_URL"], create_table=False))

    @app.post("/reports")
    def report() -> tuple[dict[str, Any], int, dict[str, str]]:
        body = request.get_json()
        stored = reports.report(body)
        return ({"id": str(stored.id), "version": stored.version}, 201,
                {"Location": f"/reports/{stored.id}", "ETag": f'"{stored.version}"'})

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app() if "BREACHTRAIL_DATABASE_URL" in os.environ else None
