"""The write baseline: a bare Flask endpoint doing one SQLAlchemy INSERT per request.

Served by gunicorn with the settings ``breachtrail serve`` uses, on the same database, so
``POST /cases`` can be measured against the cost of one committed insert from Python.
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from flask import Flask, request

metadata = sa.MetaData()

baseline_inserts = sa.Table(
    "bench_baseline_inserts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("payload", sa.Text, nullable=False),
)


def create_table(database_url: str) -> None:
    """Create the baseline's table once, before workers start (and WAL mode on SQLite, as the service has)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        metadata.create_all(engine)
    finally:
        engine.dispose()


def create_app() -> Flask:
    app = Flask("breachtrail-baseline")
    engine = sa.create_engine(os.environ["BREACHTRAIL_DATABASE_URL"])

    @app.post("/insert")
    def insert() -> tuple[dict[str, Any], int]:
        payload = request.get_data(as_text=True)
        with engine.begin() as connection:
            connection.execute(baseline_inserts.insert().values(payload=payload))
        return {"status": "stored"}, 201

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app() if "BREACHTRAIL_DATABASE_URL" in os.environ else None
