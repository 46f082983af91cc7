"""A clock that moves the service's today and the recording time of new events together.

Statistics releases count changes by the month they were recorded in, so a test that wants
changes in several months, and months that have ended, moves this clock between its steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import eventsourcing.domain
import pytest

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class TimeMachine:
    """``now`` is what the service and the event store both take for the present."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def local_month(self) -> str:
        """The month it is now, in Denmark (YYYY-MM)."""
        return self.now.astimezone(COPENHAGEN).strftime("%Y-%m")

    def next_month(self, day: int = 15) -> str:
        """Move to ``day`` of the next month (noon, Danish time); returns the month left behind."""
        left = self.local_month()
        local = self.now.astimezone(COPENHAGEN)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        self.now = datetime(year, month, day, 12, tzinfo=COPENHAGEN).astimezone(UTC)
        return left

    def tick(self) -> None:
        self.now += timedelta(seconds=1)


@pytest.fixture
def time_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[TimeMachine]:
    machine = TimeMachine(datetime.now(UTC))
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", machine)
    yield machine
