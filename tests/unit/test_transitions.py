"""A status change is counted in the month it was recorded in, in Danish time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.case import Case
from domain.values import Actor, Role
from service.case_list import evolve
from service.projections import transition
from service.statistics_release import LOCAL_TIMEZONE, period_of


def reported_at(moment: datetime) -> Case.IncidentReported:
    event = object.__new__(Case.IncidentReported)
    object.__setattr__(event, "__dict__", {
        "originator_id": uuid4(), "originator_version": 1, "timestamp": moment,
        "actor": Actor("m", Role.MANAGER), "unit": "tandplejen", "employee_ref": "E-1", "employee_name": None,
        "occurred_on": date(2026, 1, 5), "rules": ["4.1"], "channel": "facebook",
    })
    return event


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 30, 22, 59, 59, 999_999, tzinfo=UTC),  # 23:59 in Copenhagen: November
    datetime(2026, 11, 30, 23, 0, tzinfo=UTC),  # midnight in Copenhagen: December
    datetime(2026, 3, 31, 21, 30, tzinfo=UTC),  # summer time: 23:30 on 31 March
    datetime(2026, 3, 31, 22, 0, tzinfo=UTC),  # summer time: midnight, April
    datetime(2026, 10, 31, 22, 45, tzinfo=UTC),  # winter time again: 23:45 on 31 October
    datetime(2026, 12, 31, 23, 15, tzinfo=UTC),  # the new year
    datetime(2026, 12, 31, 23, 15, tzinfo=LOCAL_TIMEZONE),  # a moment given in local time
])
def test_a_change_is_counted_in_the_local_month_it_was_recorded_in(moment: datetime) -> None:
    for offset in (timedelta(0), timedelta(minutes=1), timedelta(hours=-1)):
        event = reported_at(moment + offset)
        row = evolve(None, event)
        assert row is not None
        found = transition(event, row)
        assert found is not None and found.period == period_of(moment + offset, LOCAL_TIMEZONE)
