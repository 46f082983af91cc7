"""Breaking the database under a running service, for the fault tests (PostgreSQL only).

Nothing here restarts the server: other test runs may share it. Connections are killed with
``pg_terminate_backend``, picked by the ``application_name`` each test gives its own service.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from tests.databases import _libpq_dsn, postgres_base_url


def tagged(url: str) -> tuple[str, str]:
    """``url`` with an application name no other connection has; the URL and the name."""
    name = f"bt_fault_{uuid.uuid4().hex[:12]}"
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False), name


def admin() -> psycopg.Connection:
    base = postgres_base_url()
    assert base is not None
    return psycopg.connect(_libpq_dsn(make_url(base).set(database="postgres").render_as_string(hide_password=False)),
                           autocommit=True)


def terminate(application_name: str | None = None, *, database: str | None = None) -> int:
    """Kill the backends of one application (or of one database); how many were killed."""
    with admin() as connection:
        column, value = ("application_name", application_name) if application_name else ("datname", database)
        rows = connection.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {column} = %s AND pid <> pg_backend_pid()",
            (value,),
        ).fetchall()
    return len(rows)


@contextmanager
def scratch_database() -> Iterator[tuple[str, str]]:
    """A database of its own (settings such as read-only apply per database); its URL and name."""
    base = postgres_base_url()
    assert base is not None
    name = f"bt_fault_{uuid.uuid4().hex[:12]}"
    with admin() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False), name
    finally:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_read_only(database: str, read_only: bool) -> None:
    """Make new sessions of ``database`` read-only (or not), and end the current ones so it applies."""
    with admin() as connection:
        if read_only:
            connection.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
        else:
            connection.execute(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')
    terminate(database=database)
