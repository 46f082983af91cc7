"""The statistics use cases of ``CaseService``: answer from releases, list them, release months.

A rep's question is a lookup in released tables and never releases anything; releasing is a
deliberate act of HR or the operator (``breachtrail statistics release``), allowed only for a
month that has ended (and a day's grace) and only once the read side holds everything recorded
in it. Releasing is idempotent: a released month keeps its first release forever.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from domain.errors import InvalidCaseData
from domain.periods import EARLIEST_DATE, month_key, months_from, next_month, parse_month, release_day
from domain.values import Role
from service.errors import AccessDenied, ServiceError
from service.projections import CaseListProjection
from service.statistics import DIMENSIONS, Statistics, StatisticsRequest, StatisticsResult, TooManyCells
from service.statistics_release import LOCAL_TIMEZONE, ReleaseRecord
from service.users import User

OPERATOR = "operator"


class StatisticsNotReady(ServiceError):
    """The read side has not yet folded every change recorded in the month to be released."""


def _month_field(errors: dict[str, list[str]], field: str, value: str | None, earliest: date) -> date | None:
    if value is None:
        return None
    month = parse_month(value)
    if month is None:
        errors[field] = ["must be a month written YYYY-MM"]
    elif month < date(earliest.year, earliest.month, 1):
        errors[field] = [f"must not lie before {month_key(earliest)}"]
    return month


class StatisticsUseCases:
    """Mixed into ``CaseService``: statistics answers, the list of releases, releasing."""

    if TYPE_CHECKING:
        _statistics: Statistics | None
        case_list_projection: CaseListProjection | None
        project_inline: bool
        clock: Callable[[], datetime]

        def today(self) -> date: ...

    #: No period before this day's month is ever counted or released.
    earliest_date: date = EARLIEST_DATE

    def _require_statistics(self) -> Statistics:
        if self._statistics is None:
            raise RuntimeError("this CaseService was built without statistics")
        return self._statistics

    def statistics(
        self,
        user: User,
        *,
        group_by: Sequence[str] = (),
        from_month: str | None = None,
        to_month: str | None = None,
    ) -> StatisticsResult:
        """Anonymised counts from released months only, the same for every role that may ask."""
        errors: dict[str, list[str]] = {}
        unknown = [d for d in group_by if d not in DIMENSIONS]
        if unknown:
            choices = ", ".join(DIMENSIONS)
            errors["group_by"] = [f"cannot group by {', '.join(map(repr, unknown))}; choose from {choices}"]
        elif len(set(group_by)) != len(group_by):
            errors["group_by"] = ["name each dimension once"]
        first = _month_field(errors, "from", from_month, self.earliest_date)
        last = _month_field(errors, "to", to_month, self.earliest_date)
        if not errors and first and last and first > last:
            errors["to"] = ["must not lie before from"]
        if errors:
            raise InvalidCaseData(errors)
        try:
            return self._require_statistics().answer(StatisticsRequest(tuple(group_by), first, last))
        except TooManyCells:
            raise InvalidCaseData.field(
                "group_by", "too many cells for one answer: group by fewer dimensions or a shorter period"
            ) from None

    def statistics_releases(self, user: User) -> list[ReleaseRecord]:
        """Every release ever made, oldest month first (whoever may read statistics may see them)."""
        return self._require_statistics().store.records()

    def statistics_releases_for_operator(self) -> list[ReleaseRecord]:
        """Every release ever made, for the operator's command line."""
        return self._require_statistics().store.records()

    def last_releasable_month(self) -> date:
        """The latest month that may be released today."""
        today = self.today()
        month = date(today.year, today.month, 1)
        while release_day(month) > today:
            month = date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)
        return month

    def release_statistics(
        self,
        user: User | None,
        *,
        period: str | None = None,
        through: str | None = None,
        progress: Callable[[ReleaseRecord, bool], None] | None = None,
    ) -> list[tuple[ReleaseRecord, bool]]:
        """Release one month (``period``), or every unreleased month with changes up to ``through``.

        Without either, every month that has ended. HR only when asked for by a user (``None``:
        the operator). Returns each month's release and whether it was made now.
        """
        if user is not None and user.role is not Role.HR:
            raise AccessDenied(f"a user with role '{user.role.value}' may not release statistics")
        statistics = self._require_statistics()
        errors: dict[str, list[str]] = {}
        if period is not None and through is not None:
            errors["period"] = ["give a period or through, not both"]
        single = _month_field(errors, "period", period, self.earliest_date)
        last = _month_field(errors, "through", through, self.earliest_date)
        latest = self.last_releasable_month()
        for field, month in (("period", single), ("through", last)):
            if month is not None and field not in errors and month > latest:
                errors[field] = [f"{month_key(month)} has not ended (a month is released from the second day "
                                 f"after it); the latest month that can be released today is {month_key(latest)}"]
        if errors:
            raise InvalidCaseData(errors)
        months = [single] if single is not None else self._unreleased_months(statistics, last or latest)
        self._require_projected_through(months)
        actor = OPERATOR if user is None else user.id
        done = []
        for month in months:
            record, made = statistics.release(month, actor, self.clock())
            done.append((record, made))
            if progress is not None:
                progress(record, made)
        return done

    def _unreleased_months(self, statistics: Statistics, last: date) -> list[date]:
        released = {record.period for record in statistics.store.records()}
        # Stored periods are read back through parse_month: an odd one is skipped, never a failure.
        with_changes = [m for m in map(parse_month, statistics.store.periods()) if m is not None]
        starts = [m for m in with_changes if self.earliest_date <= m <= last]
        if not starts:
            return []
        return [m for m in months_from(min(starts), last) if month_key(m) not in released]

    def _require_projected_through(self, months: Sequence[date]) -> None:
        projection = self.case_list_projection
        if not months or projection is None or self.project_inline:
            return  # inline, every change is written with its event
        status = projection.status()
        if status.lag == 0:
            return
        behind = projection.log.read(after=status.position, limit=1)
        # Fine if the first change not yet folded was recorded after the last month to release.
        if behind and behind[0][1].timestamp.astimezone(LOCAL_TIMEZONE).date() < next_month(max(months)):
            raise StatisticsNotReady(
                f"the read side is {status.lag} events behind the log; run 'breachtrail projections run --once' "
                "and release again"
            )
