"""Backups that are consistent, and restores that do not bring erased data back.

SQLite is copied with its online backup API (a consistent snapshot while the service runs);
PostgreSQL with ``pg_dump --format=custom`` (one transaction's snapshot). A restore replaces
the SQLite file, or loads the dump into an empty PostgreSQL database; then every erasure
the ledger holds that the restored database does not is made again (``reapply_erasures``),
by the system actor ``system:restore``, before anything else uses the database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from adapters.sql.erasure_ledger import ErasureLedger, LedgerEntry
from adapters.sql.sqlite_files import sqlite_file
from domain.case import Case
from domain.staff import StaffMember
from domain.values import Role, Step
from service.users import User

SYSTEM_RESTORE = User("system:restore", Role.HR)
PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
PAGES_PER_STEP = 256

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """A backup or restore that cannot be made; the message says why and what to do."""


def backup_database(url: str, target: Path, progress: Progress, *, ledger: ErasureLedger | None = None) -> None:
    """Write a consistent copy of the database at ``url`` to ``target`` (0600; replaced whole).

    With a ``ledger``, first append to it every destroyed key it lacks.
    """
    if ledger is not None:
        engine = create_engine(url)
        try:
            if inspect(engine).has_table("case_keys"):
                ledger.reconcile(engine)
        finally:
            engine.dispose()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        path = sqlite_file(url)
        if path is not None:
            _backup_sqlite(path, partial, progress)
        elif make_url(url).get_backend_name() == "postgresql":
            _pg(["pg_dump", "--format=custom", "--no-owner", "--verbose", *_schema_option(url),
                 "--file", str(partial), _libpq(url)], progress)
        else:
            raise BackupError("an in-memory database has nothing to back up")
        _sync(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore_database(url: str, source: Path, progress: Progress) -> None:
    """Replace the SQLite file with the backup, or load the dump into an empty PostgreSQL database."""
    with source.open("rb") as file:
        magic = file.read(len(SQLITE_MAGIC))
    path = sqlite_file(url)
    if path is not None:
        if not magic.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup (made by 'breachtrail backup' on SQLite)")
        _restore_sqlite(source, path, progress)
    elif make_url(url).get_backend_name() == "postgresql":
        if not magic.startswith(PG_MAGIC):
            raise BackupError(f"{source} is not a PostgreSQL backup (made by 'breachtrail backup' on PostgreSQL)")
        engine = create_engine(url)
        try:
            tables = inspect(engine).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise BackupError(f"the database is not empty ({len(tables)} tables): restore into an empty database "
                              "(drop and create it, or point BREACHTRAIL_DATABASE_URL at a new one)")
        _pg(["pg_restore", "--no-owner", "--verbose", "--exit-on-error", "--single-transaction", "--clean",
             "--if-exists", "--dbname", _libpq(url), str(source)], progress)
    else:
        raise BackupError("cannot restore into an in-memory database")


@dataclass(frozen=True)
class Reapplied:
    id: str
    how: str  # "case erased", "employee erased", "key destroyed"


def reapply_erasures(
    service: Any, entries: list[LedgerEntry], *,
    forget: Callable[[UUID], None], after_keys_destroyed: Callable[[], None],
) -> list[Reapplied]:
    """Erase again what the ledger says was erased and the restored database still holds.

    ``forget`` destroys one key (and what else holds its data); ``after_keys_destroyed``
    begins a new key epoch, once, after keys were destroyed here without a case's erasure.
    """
    key_ring = service.key_ring
    done: list[Reapplied] = []
    direct = False
    for entry in entries:
        try:
            identifier = UUID(entry.id)
        except ValueError:
            continue
        if not key_ring.has_live_key(identifier):
            continue  # erased in the backup already, or made after it was taken
        reason = (f"Restored from a backup taken before this erasure of {entry.erased_at.isoformat()}; "
                  "erased again from the erasure ledger.")
        aggregate = service.repository.get(identifier)
        if isinstance(aggregate, Case) and Step.ERASURE in aggregate.allowed_steps():
            service.erase_personal_data(SYSTEM_RESTORE, identifier, reason=reason)
            done.append(Reapplied(entry.id, "case erased"))
        elif isinstance(aggregate, StaffMember) and aggregate.erased_at is None:
            aggregate.erase_personal_data(actor=SYSTEM_RESTORE.actor, reason=reason)
            service.save(aggregate)
            done.append(Reapplied(entry.id, "employee erased"))
            direct = True
        else:
            # A case the backup holds before its closure: no erasure event fits its state, so its key goes.
            forget(identifier)
            done.append(Reapplied(entry.id, "key destroyed"))
            direct = True
    if direct:
        after_keys_destroyed()
    return done


def _backup_sqlite(path: Path, target: Path, progress: Progress) -> None:
    if not path.exists():
        raise BackupError(f"there is no database at {path}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        def step(_status: int, remaining: int, total: int) -> None:
            progress(f"copied {total - remaining} of {total} pages")

        source.backup(destination, pages=PAGES_PER_STEP, progress=step)
    finally:
        destination.close()
        source.close()


def _restore_sqlite(source: Path, path: Path, progress: Progress) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(path.name + ".restoring")
    fresh.unlink(missing_ok=True)
    os.close(os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        _backup_sqlite(source, fresh, progress)
        check = sqlite3.connect(fresh)
        try:
            result = check.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            check.close()
        if result != "ok":
            raise BackupError(f"{source} is damaged: {result}")
        _sync(fresh)
        # The old file's write-ahead log belongs to the old file: it must not be replayed into the new one.
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)


def _pg(command: list[str], progress: Progress) -> None:
    try:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client programs are needed)") from None
    assert process.stderr is not None
    errors = []
    for line in process.stderr:
        line = line.rstrip()
        if "error" in line.lower():
            errors.append(line)
        progress(line.removeprefix(f"{command[0]}: "))
    if process.wait() != 0:
        raise BackupError(f"{command[0]} failed: {'; '.join(errors) or 'exit status ' + str(process.returncode)}")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").difference_update_query(["options"]).render_as_string(
        hide_password=False)


def _schema_option(url: str) -> list[str]:
    options = make_url(url).query.get("options")
    text = options if isinstance(options, str) else ""
    if "search_path=" not in text:
        return []
    return ["--schema", text.split("search_path=", 1)[1].split()[0].split(",")[0]]


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
