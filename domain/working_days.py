"""Danish working days, for hearing deadlines (partshøring: normally 10 working days)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

DEFAULT_HEARING_WORKING_DAYS = 10


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[date]:
    # Public holidays plus the days municipal staff customarily have off (Constitution Day,
    # Christmas Eve, New Year's Eve, 1 May): counting them off only lengthens a deadline,
    # which errs in the employee's favour.
    calendar = holidays.country_holidays(
        "DK", years=year, categories=("public", "optional")
    )
    return frozenset(calendar)


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a Danish working day (not a weekend, holiday or customary day off)."""
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself never counts)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
