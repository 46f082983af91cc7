"""The SQLite file at rest: deleted content overwritten, the write-ahead log emptied after erasure.

SQLite's upstream default leaves deleted rows in free pages (``secure_delete`` off) and old
page versions in the write-ahead log until a checkpoint. Erasure does not depend on either
(old copies are ciphertext under a destroyed epoch key), but there is no reason to keep them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def overwrite_deleted_content(engine: Engine) -> None:
    """Every connection of ``engine`` overwrites what it deletes (``PRAGMA secure_delete``)."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _secure_delete)


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def checkpoint(engine: Engine) -> None:
    """Copy the write-ahead log into the database and empty it (SQLite; nothing elsewhere)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        # Readers of other processes can hold it back; then the next checkpoint empties it.
        connection.exec_driver_sql("PRAGMA busy_timeout=200")
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        connection.commit()
