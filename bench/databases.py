"""The databases a run measures on: a SQLite file, or a PostgreSQL database made for the run."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_available(admin_url: str) -> str | None:
    """None when PostgreSQL answers at ``admin_url``; otherwise why not."""
    try:
        with psycopg.connect(_libpq(admin_url), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


@contextmanager
def fresh_database(backend: str, name: str, *, postgres_admin_url: str) -> Iterator[str]:
    """A SQLAlchemy URL for an empty database called ``name``, dropped (or deleted) afterwards."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="breachtrail-bench-"))
        try:
            yield f"sqlite:///{folder / (name + '.sqlite3')}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    admin = _libpq(postgres_admin_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_admin_url).set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
