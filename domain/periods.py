"""Calendar months as statistics periods, always built from dates, never by slicing strings.

A month key (``YYYY-MM``) is written from a ``date`` and read back only through
``parse_month``, which accepts ASCII digits alone: a stored value or a request that is not a
real month is ``None``, never an exception deep inside a statistics answer, and a month
written in other scripts' digits is refused at once instead of being walked as a huge range.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

#: No statistics period lies before this day (an installation may set an earlier or later one).
EARLIEST_DATE = date(2000, 1, 1)

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)


def month_key(day: date) -> str:
    """The month a day lies in, as ``YYYY-MM``."""
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: object) -> date | None:
    """The first day of the month ``YYYY-MM`` names, or ``None`` when it names none."""
    if not isinstance(text, str):
        return None
    found = _MONTH.fullmatch(text)
    if found is None or int(found.group(1)) < 1:
        return None
    return date(int(found.group(1)), int(found.group(2)), 1)


def next_month(first: date) -> date:
    """The first day of the month after the one ``first`` lies in."""
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def quarter_key(day: date) -> str:
    """The quarter a day lies in, as ``YYYY-Qn``."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def months_from(first: date, last: date) -> list[date]:
    """The first days of every month from ``first``'s to ``last``'s, both included."""
    months, month = [], date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def release_day(month: date) -> date:
    """The first day a month may be released: the second day after it ends.

    A day's grace lets anything recorded in the month's last moments reach the read side first.
    """
    return next_month(month) + timedelta(days=1)
