"""Test databases: a fresh SQLite file, and (when configured) a fresh PostgreSQL schema.

Every storage test runs once per backend. PostgreSQL runs when
``BREACHTRAIL_TEST_POSTGRES_URL`` is set; under ``CI=true`` its absence is an error.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "BREACHTRAIL_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    return url or None


def backends() -> list[str]:
    return ["sqlite", "postgres"] if postgres_base_url() else ["sqlite"]


def _libpq_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL for an empty database that no other test can see."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'breachtrail.sqlite3'}"
        return
    base = postgres_base_url()
    assert base is not None
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq_dsn(base), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).set(drivername="postgresql+psycopg")
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq_dsn(base), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def full_dump(database_url: str) -> str:
    """Every byte a backup of this test's database would hold, as text (SQL dump)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        import sqlite3

        connection = sqlite3.connect(url.database or "")
        try:
            return "\n".join(connection.iterdump())
        finally:
            connection.close()
    import subprocess

    schema = url.query["options"].split("search_path=", 1)[1]  # type: ignore[union-attr]
    plain = url.set(drivername="postgresql").difference_update_query(["options"])
    result = subprocess.run(
        ["pg_dump", "--no-owner", "--schema", schema, plain.render_as_string(hide_password=False)],
        check=True, capture_output=True, text=True, timeout=60,
    )
    return result.stdout
