"""Anonymised statistics: counts of cases that no combination of answers can narrow below k.

How it stays safe, in brief (README has the longer version):

1. Every case falls into one *block* of a fixed partition of all cases, built from the
   current data alone (never from a request), in which every block holds at least ``k``
   cases. Cases that agree on everything (unit, month, rules, channel, status, outcome)
   form a block when there are ``k`` of them; the rest are pooled by ever coarser keys —
   outcome, status and channel are let go first, then months widen to quarters and years,
   then rules — until every pool has ``k``. Pools never cross units or years: the cases of a
   unit that cannot make ``k`` within a year are withheld, and no published number includes
   them (every cell they fall in is suppressed).
2. A count is published only when its cell is a union of whole blocks: every block that
   touches the cell lies inside it. Everything else is suppressed.
3. A block split over several cells lists every cell it could lie in (as far as its
   pooling key tells) as suppressed, empty ones too, so a suppressed row never says that a
   case is there; otherwise ``k`` cases over ``k`` suppressed rows would read as ones.

So every number any response carries is the size of a union of blocks of one partition.
Subtracting, adding or otherwise combining published numbers — from one response, from
other date ranges, from coarser or finer groupings — only ever yields sums of whole
blocks, and a non-empty block has at least ``k`` cases: no count from 1 to k-1 can be
worked out, and no suppressed count can be pinned down (a case can move between the
suppressed cells inside its block without changing a single published number).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.rules import rule_codes
from domain.values import Channel, Outcome, Status
from service.statistics_partition import LEVEL_KEEPS, Atom, Block, partition, quarter  # also imported from here

DIMENSIONS = ("unit", "rule", "month", "status", "outcome", "channel")
DEFAULT_K = 5
MINIMUM_K = 3


@dataclass(frozen=True)
class Domains:
    """Every value each dimension can take, for listing the cells a pooled block may occupy."""

    units: tuple[str, ...]
    rules: tuple[str, ...]
    statuses: tuple[str, ...]
    outcomes: tuple[str | None, ...]
    channels: tuple[str, ...]


@dataclass(frozen=True)
class StatisticsRequest:
    group_by: tuple[str, ...]
    from_month: str | None  # YYYY-MM, inclusive
    to_month: str | None


@dataclass(frozen=True)
class StatisticsRow:
    values: dict[str, str | None]
    count: int | None
    suppressed: bool
    count_min: int  # bounds a suppressed count lies within (equal to count when published)
    count_max: int | None  # None: no bound can be given safely


@dataclass(frozen=True)
class StatisticsResult:
    k: int
    group_by: list[str]
    from_month: str | None
    to_month: str | None
    rows: list[StatisticsRow]
    total: int | None  # distinct cases in the range; None when suppressed
    total_min: int
    total_max: int | None


class TooManyCells(ValueError):
    """The grouping would list more cells than a response may carry."""


MAX_ROWS = 10_000
#: Answers kept per process for the data as it stands (each a few rows to a few thousand).
MAX_CACHED_ANSWERS = 64

Cell = tuple[str | None, ...]


def _in_range(month: str, request: StatisticsRequest) -> bool:
    return (request.from_month is None or month >= request.from_month) and (
        request.to_month is None or month <= request.to_month
    )


def _cells(atom: Atom, group_by: Sequence[str]) -> list[Cell]:
    """The cells of a grouping an atom's cases count in (several when grouping by rule)."""
    options: list[Sequence[str | None]] = []
    for dimension in group_by:
        if dimension == "rule":
            options.append(atom.rules)
        else:
            options.append([getattr(atom, dimension)])
    return _product(options)


def _product(options: Sequence[Sequence[str | None]]) -> list[Cell]:
    cells: list[Cell] = [()]
    for values in options:
        cells = [(*cell, value) for cell in cells for value in values]
        if len(cells) > MAX_ROWS:
            raise TooManyCells(f"more than {MAX_ROWS} cells")
    return cells


def _shadow(block: Block, group_by: Sequence[str], domains: Domains, months: Sequence[str]) -> list[Cell]:
    """Every cell the block's cases could lie in, as far as its pooling key tells."""
    keeps = LEVEL_KEEPS[block.level]
    sample = block.atoms[0]
    options: list[Sequence[str | None]] = []
    for dimension in group_by:
        if dimension == "month":
            if "month" in keeps:
                options.append(sorted({a.month for a in block.atoms} & set(months)))
            elif "quarter" in keeps:
                options.append([m for m in months if quarter(m) == quarter(sample.month)])
            elif "year" in keeps:
                options.append([m for m in months if m[:4] == sample.month[:4]])
            else:
                options.append(months)
        elif dimension == "rule":
            options.append(sample.rules if "rule" in keeps else domains.rules)
        elif dimension in keeps:
            options.append([getattr(sample, dimension)])
        else:
            options.append(
                {"unit": domains.units, "status": domains.statuses, "outcome": domains.outcomes,
                 "channel": domains.channels}[dimension]
            )
    return _product(options)


def _months_between(first: str, last: str) -> list[str]:
    months = []
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def answer(blocks: Sequence[Block], request: StatisticsRequest, k: int, domains: Domains) -> StatisticsResult:
    """Counts per cell; a cell is published only if it is a union of whole blocks.

    A block split over several cells puts every cell it could lie in on the list as suppressed
    (empty ones too), so that a suppressed row never tells that a case is there. Suppressed
    rows carry bounds that are themselves sums of whole blocks: the blocks inside the cell,
    and the blocks that touch it.
    """
    group_by = request.group_by
    data_months = sorted({a.month for b in blocks for a in b.atoms if _in_range(a.month, request)})
    months = (
        _months_between(request.from_month or data_months[0], request.to_month or data_months[-1])
        if data_months
        else []
    )
    counts: dict[Cell, int] = defaultdict(int)
    lower: dict[Cell, int] = defaultdict(int)
    upper: dict[Cell, int | None] = defaultdict(int)
    suppressed: set[Cell] = set()
    total = total_lower = 0
    total_upper: int | None = 0
    for block in blocks:
        inside = [a for a in block.atoms if _in_range(a.month, request)]
        if not inside:
            continue
        total += sum(a.count for a in inside)
        whole_in_range = len(inside) == len(block.atoms)
        per_atom = [set(_cells(a, group_by)) for a in inside]
        for atom, cells in zip(inside, per_atom, strict=True):
            for cell in cells:
                counts[cell] += atom.count
        touched = set().union(*per_atom)
        if block.withheld:
            suppressed.update(touched)
            total_upper = None
            for cell in touched:
                upper[cell] = None
            continue
        total_lower += block.size if whole_in_range else 0
        total_upper = None if total_upper is None else total_upper + block.size
        common = set.intersection(*per_atom) if whole_in_range else set()
        near = touched
        if touched != common:
            # Cells that hold the whole block stay publishable; every other cell it touches or
            # could touch is suppressed, listed even when empty.
            near = touched | set(_shadow(block, group_by, domains, months))
            suppressed.update(near - common)
        for cell in common:
            lower[cell] += block.size
        for cell in near:
            bound = upper[cell]
            upper[cell] = None if bound is None else bound + block.size
    listed = set(counts) | suppressed
    if len(listed) > MAX_ROWS:
        raise TooManyCells(f"more than {MAX_ROWS} cells")
    rows = []
    for cell in sorted(listed, key=lambda c: tuple("" if v is None else v for v in c)):
        count = counts.get(cell, 0)
        published = cell not in suppressed and count >= k
        rows.append(
            StatisticsRow(
                values=dict(zip(group_by, cell, strict=True)),
                count=count if published else None,
                suppressed=not published,
                count_min=count if published else lower[cell],
                count_max=count if published else upper[cell],
            )
        )
    total_published = total_upper == total_lower and (total == 0 or total >= k)
    return StatisticsResult(
        k=k,
        group_by=list(group_by),
        from_month=request.from_month,
        to_month=request.to_month,
        rows=rows,
        total=total if total_published else None,
        total_min=total if total_published else total_lower,
        total_max=total if total_published else total_upper,
    )


class StatisticsSource(Protocol):
    """Where the anonymous facts of every case are read from; implemented by an adapter."""

    def version(self) -> int:
        """A number that changes whenever the facts do (to reuse a partition safely)."""
        ...

    def atoms(self) -> list[Atom]:
        """Every case's facts, aggregated into atoms."""
        ...


class Statistics:
    """Answers statistics requests from a source, reusing the partition while the data stands still."""

    def __init__(self, source: StatisticsSource, k: int = DEFAULT_K, known_units: Iterable[str] = ()):
        if k < MINIMUM_K:
            raise ValueError(f"k must be at least {MINIMUM_K}")
        self.source = source
        self.known_units = frozenset(known_units)
        self.k = k
        self._cached: tuple[int, list[Block]] | None = None
        # Answers to the current data, by request: an answer walks every atom (a hundred
        # thousand cases make tens of thousands), and the same few questions come back.
        self._answers: dict[StatisticsRequest, StatisticsResult] = {}
        self._answers_version: int | None = None

    def blocks(self) -> list[Block]:
        return self._blocks_at(self.source.version())

    def _blocks_at(self, version: int) -> list[Block]:
        cached = self._cached
        if cached is not None and cached[0] == version:
            return cached[1]
        blocks = partition(self.source.atoms(), self.k)
        self._cached = (version, blocks)
        return blocks

    def answer(self, request: StatisticsRequest) -> StatisticsResult:
        version = self.source.version()
        if version != self._answers_version:
            self._answers, self._answers_version = {}, version
        found = self._answers.get(request)
        if found is not None:
            return found
        blocks = self._blocks_at(version)
        units = tuple(sorted({a.unit for b in blocks for a in b.atoms} | set(self.known_units)))
        domains = Domains(
            units=units,
            rules=rule_codes(),
            statuses=tuple(s.value for s in Status),
            outcomes=(None, *(o.value for o in Outcome)),
            channels=tuple(c.value for c in Channel),
        )
        result = answer(blocks, request, self.k, domains)
        if len(self._answers) >= MAX_CACHED_ANSWERS:
            self._answers.pop(next(iter(self._answers)))
        self._answers[request] = result
        return result
