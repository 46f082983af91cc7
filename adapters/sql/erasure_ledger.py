"""The erasure ledger: which keys were destroyed, and when, kept outside the database.

A backup holds the personal data of every case erased after it was taken (within the
backup window, the epoch key that opens it is still there). So every erasure is also
appended to a file beside the epoch keys — ids and times only, nothing of a person — and a
restore erases again, before the restored database is used, whatever the ledger says was
erased and the restored database does not. The file is appended and synced on every
erasure of a case (by hand or by the retention sweep) and of leavers on the staff list; at
every start and before every backup, any destroyed key the ledger lacks (one whose line a crash
cut off) is appended too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.engine import Engine

from adapters.sql.keys import case_keys

LEDGER_NAME = "erasures.jsonl"


class LedgerUnreadable(ValueError):
    """A line of the ledger is not an entry: the file was damaged or is not a ledger."""


@dataclass(frozen=True)
class LedgerEntry:
    """One erased case or employee: the id of its key, and when the key was destroyed."""

    id: str
    erased_at: datetime

    def to_json(self) -> str:
        return json.dumps({"id": self.id, "erased_at": self.erased_at.astimezone(UTC).isoformat()})


class ErasureLedger:
    """``erasures.jsonl`` in the key folder: one JSON line per erasure, appended, never rewritten."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / LEDGER_NAME

    def record(self, entries: Iterable[LedgerEntry]) -> None:
        """Append entries and sync them to disk (one write: lines of concurrent writers never mix)."""
        text = "".join(entry.to_json() + "\n" for entry in entries)
        if not text:
            return
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, text.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def entries(self) -> list[LedgerEntry]:
        """Every erasure recorded, once each (the earliest time), in the order first recorded."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found: dict[str, LedgerEntry] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                entry = LedgerEntry(str(data["id"]), datetime.fromisoformat(data["erased_at"]))
            except (ValueError, KeyError, TypeError):
                if number == len(lines):
                    continue  # a last line torn by a crash: the next reconcile writes it again
                raise LedgerUnreadable(f"{self.path}, line {number}: not an erasure entry") from None
            if entry.id not in found or entry.erased_at < found[entry.id].erased_at:
                found[entry.id] = entry
        return list(found.values())

    def reconcile(self, engine: Engine) -> int:
        """Append every key the database has destroyed and the ledger lacks; how many."""
        known = {entry.id for entry in self.entries()}
        with engine.connect() as connection:
            rows = connection.execute(
                select(case_keys.c.case_id, case_keys.c.destroyed_at)
                .where(case_keys.c.destroyed_at.is_not(None)).order_by(case_keys.c.destroyed_at)
            ).all()
        missing = [LedgerEntry(row.case_id, _aware(row.destroyed_at)) for row in rows if row.case_id not in known]
        self.record(missing)
        return len(missing)


    def not_applied(self, key_ring: Any) -> list[str]:
        """Ids the ledger names whose keys ``key_ring``'s database still holds."""
        pending = []
        for entry in self.entries():
            try:
                identifier = UUID(entry.id)
            except ValueError:
                continue
            if key_ring.has_live_key(identifier):
                pending.append(entry.id)
        return pending


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
