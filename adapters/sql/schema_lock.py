"""One schema upgrade at a time, across processes.

Two ``breachtrail serve`` (or ``init-db``) processes started together against an empty or
older database both create tables, record the schema version and record the grants of users
added before grants were events; on PostgreSQL they collide (``pg_type`` and primary-key
violations) and one of them exits. The upgrade therefore runs under a lock the database's
other upgraders see: a session advisory lock on PostgreSQL, an exclusive ``flock`` on a file
beside the database on SQLite. The second process waits, then finds the work done.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

#: The advisory lock's number: any fixed 64-bit value other code in the database does not use.
_ADVISORY_KEY = 0x62726561636874  # "breacht"


@contextmanager
def one_upgrade_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold the schema lock of ``engine``'s database while the block runs."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(select(func.pg_advisory_lock(_ADVISORY_KEY)))
            connection.commit()
            try:
                yield
            finally:
                connection.execute(select(func.pg_advisory_unlock(_ADVISORY_KEY)))
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        yield  # one process owns an in-memory database
        return
    lock_file = Path(f"{database}.schema-lock")
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
