"""Where the representatives' dashboard gets its numbers: the one module to switch to released tables.

Today: the service's current statistics query, one answer per dimension the dashboard shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.cases import CaseService
from service.users import User

DASHBOARD_DIMENSIONS = ("unit", "rule", "channel", "outcome", "month")


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


def dashboard_tables(service: CaseService, user: User) -> tuple[int, list[Table]]:
    """k, and one table of anonymised counts per dimension."""
    tables = []
    k = 0
    for dimension in DASHBOARD_DIMENSIONS:
        result = service.statistics(user, group_by=[dimension])
        k = result.k
        cells = [Cell(None if row.values.get(dimension) is None else str(row.values[dimension]),
                      None if row.suppressed else row.count, row.count_max) for row in result.rows]
        tables.append(Table(dimension, cells, result.total))
    return k, tables
