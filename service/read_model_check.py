"""The read models checked against the events: fold the whole log again, in memory, and compare.

``verify`` uses it: the case list (``case_summaries`` and its rules) and the statistics'
facts (``case_facts``) must be exactly what the events say. A row edited, added or removed
by hand is named by its case and column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import fields
from typing import Any

from domain.deadlines import CaseFacts
from service.case_list import CaseRow, DueFilter
from service.projections import CaseListProjection, EventLog


class MemoryCaseList:
    """A case list store in a dict: what a rebuild would write, written nowhere."""

    def __init__(self) -> None:
        self.saved: dict[str, CaseRow] = {}
        self._position: int | None = None

    def transaction(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def rows(self, case_ids: Sequence[str]) -> dict[str, CaseRow]:
        return {case_id: self.saved[case_id] for case_id in case_ids if case_id in self.saved}

    def unit_of(self, case_id: str) -> str | None:
        row = self.saved.get(case_id)
        return None if row is None else row.unit

    def save_rows(
        self, rows: Sequence[CaseRow], position: int | None, *, new_rules: Sequence[str] | None = None
    ) -> None:
        # A row in memory carries its rules whole, so there is nothing to write apart.
        for row in rows:
            before = self.saved.get(row.id)
            if before is None or row.version >= before.version:
                self.saved[row.id] = row
        if position is not None:
            self._position = position

    def position(self, name: str) -> int | None:
        return self._position

    def due_facts(self, due: DueFilter) -> list[CaseFacts]:
        return [row.facts() for row in sorted(self.saved.values(), key=lambda r: r.id) if due.admits(row)]

    def reset(self, name: str) -> None:
        self.saved.clear()
        self._position = None


def recompute_case_list(log: EventLog, progress: Callable[[int], None] | None = None) -> dict[str, CaseRow]:
    """Every case's row as the events say it is."""
    memory = MemoryCaseList()
    CaseListProjection(memory, log).catch_up(progress=progress)  # type: ignore[arg-type]
    return memory.saved


def row_differences(expected: dict[str, CaseRow], stored: dict[str, CaseRow], table: str) -> list[str]:
    """Each case missing, extra or differing in a column, named."""
    found = []
    for case_id in sorted(expected.keys() - stored.keys()):
        found.append(f"{table}: case {case_id} is missing")
    for case_id in sorted(stored.keys() - expected.keys()):
        found.append(f"{table}: case {case_id} is there but no event reports it")
    for case_id in sorted(expected.keys() & stored.keys()):
        for field in fields(CaseRow):
            want, have = getattr(expected[case_id], field.name), getattr(stored[case_id], field.name)
            if want != have:
                found.append(f"{table}: case {case_id}, column {field.name}: stored {have!r}, the events say {want!r}")
    return found
