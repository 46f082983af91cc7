"""Retention: when a closed case's personal data is due for erasure, and the sweep that erases it.

A municipality may not delete personnel records without the archive authority's approval,
so erasure follows a configured policy (a period per outcome, counted from the closure) and
always archives the case file first: a case whose file cannot be archived is not erased.
The sweep acts as a system actor with HR's rights, ``system:retention-sweep``; no user can
have that id (user ids have no colon), so the trail and the access log tell its work apart.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from domain.case import Case
from domain.errors import InvalidCaseData, StepNotAllowed
from domain.values import Outcome, Role, Status
from service.case_list import CaseListFilter
from service.case_queries import LOCAL_TIMEZONE
from service.cases import CaseService
from service.errors import CaseNotFound, ConcurrentModification, VersionMismatch
from service.records import CaseFile
from service.users import User

SYSTEM_ACTOR = User("system:retention-sweep", Role.HR)

#: Counted from the closure. Dismissed cases held nothing against the employee; the others
#: follow the common five-year practice for personnel records. The archive authority decides.
DEFAULT_RETENTION = "dismissed=1y,resolved=5y,sanctioned=5y,referred=5y"

_PERIOD = re.compile(r"([0-9]{1,4})([ymd])")
_UNIT_NAMES = {"y": "year", "m": "month", "d": "day"}
_MAXIMUM = {"y": 100, "m": 1200, "d": 36500}
_PAGE = 500


class InvalidRetentionPolicy(ValueError):
    """A retention policy that cannot be read; says what is wrong and how to write it."""


@dataclass(frozen=True)
class Period:
    """A whole number of years, months or days."""

    count: int
    unit: str  # "y", "m" or "d"

    def after(self, day: date) -> date:
        """The day this period after ``day`` (the 29th of February plus a year is the 28th)."""
        if self.unit == "d":
            return date.fromordinal(day.toordinal() + self.count)
        months = day.month - 1 + self.count * (12 if self.unit == "y" else 1)
        year, month = day.year + months // 12, months % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    def describe(self) -> str:
        name = _UNIT_NAMES[self.unit]
        return f"{self.count} {name}{'' if self.count == 1 else 's'}"


@dataclass(frozen=True)
class RetentionPolicy:
    """How long after its closure each outcome's personal data is kept; ``None``: until erased by hand."""

    periods: Mapping[Outcome, Period | None]

    @classmethod
    def parse(cls, text: str) -> RetentionPolicy:
        """Read ``dismissed=1y,resolved=5y,sanctioned=5y,referred=never``: every outcome, once each."""
        periods: dict[Outcome, Period | None] = {}
        outcomes = {outcome.value: outcome for outcome in Outcome}
        for item in text.split(","):
            name, equals, value = (part.strip().lower() for part in item.partition("="))
            if not equals or not name or not value:
                raise _invalid(f"'{item.strip()}' is not outcome=period")
            outcome = outcomes.get(name)
            if outcome is None:
                raise _invalid(f"'{name}' is not an outcome (outcomes: {', '.join(outcomes)})")
            if outcome in periods:
                raise _invalid(f"'{name}' is named twice")
            periods[outcome] = _period(name, value)
        missing = [value for value, outcome in outcomes.items() if outcome not in periods]
        if missing:
            raise _invalid(f"name every outcome; missing: {', '.join(missing)}")
        return cls(periods)

    @classmethod
    def default(cls) -> RetentionPolicy:
        return cls.parse(DEFAULT_RETENTION)

    def due_on(self, outcome: Outcome, closed_on: date) -> date | None:
        """The day a case closed with ``outcome`` on ``closed_on`` falls due; None: never by policy."""
        period = self.periods[outcome]
        return None if period is None else period.after(closed_on)

    def __str__(self) -> str:
        return ",".join(f"{o.value}={self.periods[o] or 'never'}" for o in Outcome)

    def __hash__(self) -> int:
        return hash(str(self))


def _period(name: str, value: str) -> Period | None:
    if value == "never":
        return None
    match = _PERIOD.fullmatch(value)
    if match is None:
        raise _invalid(f"{name}: '{value}' is not a period such as 5y, 18m, 90d or never")
    count, unit = int(match.group(1)), match.group(2)
    if not 1 <= count <= _MAXIMUM[unit]:
        raise _invalid(f"{name}: {value} is out of range (1 to {_MAXIMUM[unit]}{unit})")
    return Period(count, unit)


def _invalid(problem: str) -> InvalidRetentionPolicy:
    return InvalidRetentionPolicy(f"{problem}; write it like {DEFAULT_RETENTION} (y years, m months, d days, never)")


@dataclass(frozen=True)
class DueCase:
    """A closed case whose personal data is due for erasure."""

    case_id: UUID
    unit: str
    outcome: str
    closed_at: datetime
    due_on: date
    version: int


def due_cases(service: CaseService, policy: RetentionPolicy) -> list[DueCase]:
    """Closed cases, not yet erased, whose retention has run out today; earliest due first."""
    if service.case_list is None:
        raise RuntimeError("this CaseService was built without a case list")
    today = service.today()
    candidates = []
    offset = 0
    while True:
        rows, total = service.case_list.page(
            CaseListFilter(units=None, status=Status.CLOSED.value), today=today, offset=offset, limit=_PAGE
        )
        # Nothing but a reopening or an erasure follows a closure: a closed row's last activity is it.
        candidates += [row.id for row in rows if not row.personal_data_erased and row.outcome is not None
                       and _due(policy, Outcome(row.outcome), row.last_activity_at, today) is not None]
        offset += _PAGE
        if offset >= total or not rows:
            break
    found = []
    # The read model only narrows the search: the case's own events decide.
    for case_id in dict.fromkeys(candidates):
        case: Case = service.repository.get(UUID(case_id))
        if case.status is not Status.CLOSED or case.personal_data_erased or case.closure is None:
            continue
        due_on = _due(policy, case.closure.outcome, case.closure.closed_at, today)
        if due_on is not None:
            found.append(DueCase(case.id, case.unit, case.closure.outcome.value, case.closure.closed_at, due_on,
                                 case.version))
    return sorted(found, key=lambda due: (due.due_on, str(due.case_id)))


def _due(policy: RetentionPolicy, outcome: Outcome, closed_at: datetime, today: date) -> date | None:
    due_on = policy.due_on(outcome, closed_at.astimezone(LOCAL_TIMEZONE).date())
    return due_on if due_on is not None and due_on <= today else None


class ArchiveError(Exception):
    """A case file could not be archived (written, or checked against the copy already there)."""


@dataclass(frozen=True)
class Archived:
    """Where a case file is kept; ``written`` is False when the same file was already there."""

    location: str
    written: bool


class CaseArchive(Protocol):
    """Where case files are kept before erasure; implemented by an adapter."""

    def keep(self, case_file: CaseFile) -> Archived:
        """Store the case file durably, or check that the copy already kept holds the same; else ArchiveError."""
        ...


@dataclass
class SweepSummary:
    due: int = 0
    archived: int = 0  # case files written (or found already kept)
    erased: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (case id, why)


def sweep(
    service: CaseService,
    due: Sequence[DueCase],
    archive: CaseArchive,
    policy: RetentionPolicy,
    progress: Callable[[int], None] | None = None,
) -> SweepSummary:
    """For each due case: archive its case file, and only once that is done, erase its personal data."""
    summary = SweepSummary(due=len(due))
    for case in due:
        skipped = _archive_then_erase(service, case, archive, policy, summary)
        if skipped is not None:
            summary.skipped.append((str(case.case_id), skipped))
        if progress is not None:
            progress(1)
    return summary


def _archive_then_erase(
    service: CaseService, case: DueCase, archive: CaseArchive, policy: RetentionPolicy, summary: SweepSummary
) -> str | None:
    """Archive, then erase; why the case was skipped, if it was."""
    try:
        case_file = service.export_case(SYSTEM_ACTOR, case.case_id)
    except CaseNotFound as error:
        return str(error)
    if case_file.case.personal_data_erased or case_file.case.status != Status.CLOSED.value:
        return "the case changed since it was found due; left for the next sweep"
    try:
        kept = archive.keep(case_file)
    except ArchiveError as error:
        return f"not archived, so not erased: {error}"
    summary.archived += 1
    period = policy.periods[Outcome(case.outcome)]
    closed_on = case.closed_at.astimezone(LOCAL_TIMEZONE).date()
    reason = (f"Retention: {case.outcome} cases are kept {period.describe() if period else 'indefinitely'} "
              f"after closure; closed {closed_on.isoformat()}, due {case.due_on.isoformat()}. "
              f"Case file archived as {kept.location}.")
    try:
        # Erase exactly what was archived: a case that moved on since is left for the next sweep.
        service.erase_personal_data(
            SYSTEM_ACTOR, case.case_id, reason=reason, expected_version=case_file.case.version
        )
    except (VersionMismatch, ConcurrentModification, StepNotAllowed, InvalidCaseData) as error:
        return f"archived as {kept.location}, not erased: {error}"
    summary.erased += 1
    return None
