"""Anonymised statistics from released tables: no answer, at any moment, narrows a count below k.

How it stays safe, in brief (docs/PRIVACY.md has the longer version):

1. Only *released* months are ever counted. A release is computed once for a closed month
   (``service/statistics_release.py``), partitioned into blocks of at least ``k`` cases that never
   cross units, stored with its hash and never revised. Cases a unit cannot pool to ``k`` within
   the month are withheld: the release keeps nothing of them, so they shape no answer at all —
   no row, no bound, no total.
2. A count is published only when its cell is a union of whole blocks: every block that touches
   the cell lies inside it. Everything else is suppressed.
3. A block split over several cells lists every cell it could lie in (as far as its pooling key
   tells) as suppressed, empty ones too, so a suppressed row never says that a case is there.

So every number any response carries is the size of a union of released blocks. Subtracting,
adding or otherwise combining published numbers — from one response, other ranges, coarser or
finer groupings, or the same question asked last month — only ever yields sums of whole blocks,
and a block has at least ``k`` cases. A case reported, moved or closed today changes nothing
until its month is released, and then only together with at least ``k - 1`` others of its block.

Answers are lookups: the released blocks are read once per release, and each answer is kept
for as long as no new month is released; a write to a case changes neither.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from domain.periods import month_key
from service.statistics_partition import LEVEL_KEEPS, Atom, Block
from service.statistics_release import (
    Domains,
    ReleasedTable,
    ReleaseRecord,
    Transition,
    body_hash,
    read_release,
    release_body,
)

DIMENSIONS = ("unit", "rule", "month", "status", "outcome", "channel")
DEFAULT_K = 5
MINIMUM_K = 3
MAX_ROWS = 10_000
#: Answers kept per process for the releases as they stand (each a few rows to a few thousand).
MAX_CACHED_ANSWERS = 64

Cell = tuple[str | None, ...]


@dataclass(frozen=True)
class StatisticsRequest:
    group_by: tuple[str, ...]
    first: date | None  # first day of the first month counted
    last: date | None  # first day of the last month counted


@dataclass(frozen=True)
class StatisticsRow:
    values: dict[str, str | None]
    count: int | None
    suppressed: bool
    count_min: int  # bounds a suppressed count lies within (equal to count when published)
    count_max: int | None


@dataclass(frozen=True)
class StatisticsResult:
    k: int
    group_by: list[str]
    from_month: str | None
    to_month: str | None
    rows: list[StatisticsRow]
    total: int | None  # status changes of distinct cases, summed over the released months
    total_min: int
    total_max: int | None
    releases: list[tuple[str, str]]  # (period, hash) of every release the answer is built from


class TooManyCells(ValueError):
    """The grouping would list more cells than a response may carry."""


def _cells(atom: Atom, group_by: Sequence[str]) -> list[Cell]:
    """The cells of a grouping an atom's cases count in (several when grouping by rule)."""
    return _product([atom.rules if d == "rule" else [getattr(atom, d)] for d in group_by])


def _product(options: Sequence[Sequence[str | None]]) -> list[Cell]:
    cells: list[Cell] = [()]
    for values in options:
        cells = [(*cell, value) for cell in cells for value in values]
        if len(cells) > MAX_ROWS:
            raise TooManyCells(f"more than {MAX_ROWS} cells")
    return cells


def _shadow(block: Block, group_by: Sequence[str], domains: Domains) -> list[Cell]:
    """Every cell the block's cases could lie in, as far as its pooling key tells."""
    keeps = LEVEL_KEEPS[min(block.level, len(LEVEL_KEEPS) - 1)]
    sample = block.atoms[0]
    everything: dict[str, Sequence[str | None]] = {
        "rule": domains.rules, "status": domains.statuses, "outcome": domains.outcomes, "channel": domains.channels,
    }
    options: list[Sequence[str | None]] = []
    for dimension in group_by:
        if dimension == "rule":
            options.append(sample.rules if "rule" in keeps else domains.rules)
        elif dimension in keeps or dimension in ("unit", "month"):  # a block never spans units or months
            options.append([getattr(sample, dimension)])
        else:
            options.append(everything[dimension])
    return _product(options)


def in_range(table: ReleasedTable, request: StatisticsRequest) -> bool:
    return (request.first is None or table.month >= request.first) and (
        request.last is None or table.month <= request.last
    )


def answer(tables: Sequence[ReleasedTable], request: StatisticsRequest, k: int) -> StatisticsResult:
    """Counts per cell over the released months in range; published only for unions of whole blocks."""
    group_by = request.group_by
    counts: dict[Cell, int] = defaultdict(int)
    lower: dict[Cell, int] = defaultdict(int)
    upper: dict[Cell, int] = defaultdict(int)
    suppressed: set[Cell] = set()
    total = 0
    used = [table for table in tables if in_range(table, request)]
    for table in used:
        for block in table.blocks:
            total += block.size
            per_atom = [set(_cells(a, group_by)) for a in block.atoms]
            for atom, cells in zip(block.atoms, per_atom, strict=True):
                for cell in cells:
                    counts[cell] += atom.count
            touched = set().union(*per_atom)
            common = set.intersection(*per_atom)
            near = touched
            if touched != common:
                # Cells holding the whole block stay publishable; every other cell it touches or
                # could touch is suppressed, listed even when empty.
                near = touched | set(_shadow(block, group_by, table.domains))
                suppressed.update(near - common)
            for cell in common:
                lower[cell] += block.size
            for cell in near:
                upper[cell] += block.size
            if len(counts) + len(suppressed) > 2 * MAX_ROWS:
                raise TooManyCells(f"more than {MAX_ROWS} cells")
    listed = set(counts) | suppressed
    if len(listed) > MAX_ROWS:
        raise TooManyCells(f"more than {MAX_ROWS} cells")
    rows = []
    for cell in sorted(listed, key=lambda c: tuple("" if v is None else v for v in c)):
        count = counts.get(cell, 0)
        published = cell not in suppressed and count >= k
        rows.append(StatisticsRow(
            values=dict(zip(group_by, cell, strict=True)),
            count=count if published else None,
            suppressed=not published,
            count_min=count if published else lower[cell],
            count_max=count if published else upper[cell],
        ))
    # The total is a sum of whole blocks; below k it can only be 0 (each block has k).
    total_published = total == 0 or total >= k
    return StatisticsResult(
        k=k,
        group_by=list(group_by),
        from_month=None if request.first is None else month_key(request.first),
        to_month=None if request.last is None else month_key(request.last),
        rows=rows,
        total=total if total_published else None,
        total_min=total if total_published else 0,
        total_max=total,
        releases=[(table.period, table.hash) for table in used],
    )


class StatisticsStore(Protocol):
    """Where status changes and releases are kept; implemented by an adapter."""

    def save_transitions(self, transitions: Sequence[Transition]) -> None:
        """Store changes in the current transaction; one already stored is left as it is."""
        ...

    def reset_transitions(self) -> None:
        """Forget every stored change (a rebuild of the read side; releases stay)."""
        ...

    def transitions(self, period: str) -> list[Transition]:
        """Every change recorded in ``period``."""
        ...

    def periods(self) -> list[str]:
        """Every distinct period changes are stored for, as stored."""
        ...

    def version(self) -> int:
        """A number that grows with every release (to reuse what was read)."""
        ...

    def records(self) -> list[ReleaseRecord]:
        """Every release, oldest period first."""
        ...

    def bodies(self) -> dict[str, str]:
        """Every release's stored text, by period."""
        ...

    def add(self, record: ReleaseRecord, body: str) -> bool:
        """Store a release unless its period has one; ``False`` when it had."""
        ...


class Statistics:
    """Releases closed months and answers requests from the releases alone."""

    def __init__(self, store: StatisticsStore, k: int = DEFAULT_K):
        if k < MINIMUM_K:
            raise ValueError(f"k must be at least {MINIMUM_K}")
        self.store = store
        self.k = k
        self._tables: tuple[int, list[ReleasedTable]] | None = None
        self._answers: dict[StatisticsRequest, StatisticsResult] = {}
        self._answers_version: int | None = None

    def tables(self) -> list[ReleasedTable]:
        return self._tables_at(self.store.version())

    def _tables_at(self, version: int) -> list[ReleasedTable]:
        if self._tables is not None and self._tables[0] == version:
            return self._tables[1]
        tables = []
        for body in self.store.bodies().values():
            table = read_release(body)
            if table is not None:
                tables.append(replace(table, hash=body_hash(body)))
        tables.sort(key=lambda table: table.month)
        self._tables = (version, tables)
        return tables

    def answer(self, request: StatisticsRequest) -> StatisticsResult:
        version = self.store.version()
        if version != self._answers_version:
            self._answers, self._answers_version = {}, version
        found = self._answers.get(request)
        if found is not None:
            return found
        result = answer(self._tables_at(version), request, self.k)
        if len(self._answers) >= MAX_CACHED_ANSWERS:
            self._answers.pop(next(iter(self._answers)))
        self._answers[request] = result
        return result

    def release(self, month: date, actor: str, now: datetime) -> tuple[ReleaseRecord, bool]:
        """Release ``month`` (closed, checked by the caller) unless it was; ``True`` when released now."""
        key = month_key(month)
        existing = {record.period: record for record in self.store.records()}
        if key in existing:
            return existing[key], False
        body = release_body(month, self.store.transitions(key), self.k, Domains.current())
        record = ReleaseRecord(period=key, released_at=now, released_by=actor, hash=body_hash(body))
        if self.store.add(record, body):
            return record, True
        # Released by someone else a moment ago: theirs stands.
        return {r.period: r for r in self.store.records()}[key], False

