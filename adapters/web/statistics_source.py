"""Where the dashboard gets its numbers: the released monthly tables, and nothing else.

Every number on the dashboard (and in its CSV) comes from ``CaseService.statistics``, which
answers only from released months; this module asks it once per view the page shows and says
which releases the answer rests on. Releasing is HR's (or the operator's) deliberate act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.periods import month_key
from service.cases import CaseService
from service.statistics_release import ReleaseRecord
from service.users import User

DASHBOARD_DIMENSIONS = ("unit", "rule", "channel", "outcome", "month")
#: The statuses counted per month in the table of talks and warnings.
TALK_AND_WARNING = ("talk_held", "warning_issued")


@dataclass(frozen=True)
class Cell:
    value: str | None
    count: int | None  # None: suppressed
    count_max: int | None


@dataclass(frozen=True)
class Table:
    dimension: str
    cells: list[Cell]
    total: int | None


@dataclass(frozen=True)
class MonthRow:
    """One released month: how many cases were left with a talk held and with a warning issued."""

    month: str
    cells: dict[str, Cell]  # status -> cell; a status without cases is a published 0


@dataclass(frozen=True)
class Dashboard:
    k: int
    releases: list[tuple[str, str]]  # (period, hash) the numbers rest on, oldest first
    tables: list[Table]
    talks_and_warnings: list[MonthRow]


def _own_units_first(cells: list[Cell], units: frozenset[str]) -> list[Cell]:
    return sorted(cells, key=lambda cell: (cell.value not in units, cell.value or ""))


def dashboard(service: CaseService, user: User) -> Dashboard:
    """k, the releases, one table of anonymised counts per dimension, and talks/warnings per month."""
    tables = []
    k = 0
    releases: list[tuple[str, str]] = []
    for dimension in DASHBOARD_DIMENSIONS:
        result = service.statistics(user, group_by=[dimension])
        k, releases = result.k, result.releases
        cells = [Cell(None if row.values.get(dimension) is None else str(row.values[dimension]),
                      None if row.suppressed else row.count, row.count_max) for row in result.rows]
        if dimension == "unit":
            cells = _own_units_first(cells, user.units)
        if dimension == "month":
            cells = sorted(cells, key=lambda cell: cell.value or "")
        tables.append(Table(dimension, cells, result.total))
    by_month = service.statistics(user, group_by=["month", "status"])
    found: dict[str, dict[str, Cell]] = {period: {} for period, _ in by_month.releases}
    for row in by_month.rows:
        month, status = row.values.get("month"), row.values.get("status")
        if month is None or status not in TALK_AND_WARNING:
            continue
        found.setdefault(str(month), {})[str(status)] = Cell(
            str(status), None if row.suppressed else row.count, row.count_max)
    months = [MonthRow(month, {status: cells.get(status, Cell(status, 0, 0)) for status in TALK_AND_WARNING})
              for month, cells in sorted(found.items())]
    return Dashboard(k, sorted(releases), tables, months)


def releases(service: CaseService, user: User) -> list[ReleaseRecord]:
    """Every release, newest month first, with who made it and when (for HR's page)."""
    return sorted(service.statistics_releases(user), key=lambda record: record.period, reverse=True)


def last_releasable_month(service: CaseService) -> str:
    latest: date = service.last_releasable_month()
    return month_key(latest)


def release_through(service: CaseService, user: User, through: str) -> list[tuple[ReleaseRecord, bool]]:
    """Release every month with changes up to ``through``; each release and whether it was made now."""
    return service.release_statistics(user, through=through)
