"""``CaseService.deadlines``: a user's deadlines, derived from the case list's rows.

Each row keeps the facts its case's deadlines are derived from (``CaseRow.facts``, folded from
the same events as ``domain.deadlines.case_facts`` reads from the aggregate), so one query for
the rows that may have a deadline today, and ``domain.deadlines.derive`` on each, is the whole
cost: no case is loaded, and the cost follows the deadlines found, not the cases stored (at
10,000 cases, loading every open case took 22 s a request). Deadlines of other aggregates (a
policy consultation closing with bodies not answered, a new starter without the policy's
introduction) come from ``DeadlineSource``s that their applications register, so this query
is the one place "my tasks", the reminders and the calendar feed read from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol

from domain.deadlines import (
    LOCAL_TIMEZONE,
    RETENTION_NOTICE_DAYS,
    Deadline,
    DeadlineKind,
    DeadlineRules,
    RetentionRule,
    derive,
)
from domain.errors import InvalidCaseData
from domain.lifecycle import HR_ONLY_STEPS
from domain.values import Outcome, Role, Status
from service.authorisation import can_see_unit, require_caseworker
from service.case_list import CaseListStore, DueFilter
from service.users import User

#: How far from today the retention rule is asked (a closure is never centuries away).
_RETENTION_SPAN = timedelta(days=200 * 366)


@dataclass(frozen=True)
class DeadlineItem:
    """One deadline as callers see it: no personal data, only ids, a unit, a kind and dates."""

    subject: str  # "case" (later also "policy", "employee")
    case_id: str | None
    subject_id: str
    unit: str
    kind: str
    due_on: date
    remind_on: date
    resolved_by_step: str | None
    overdue: bool
    reminder_due: bool

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes a reminder of it unique: a new due date is a new reminder."""
        return (self.subject, self.subject_id, self.kind, self.due_on.isoformat())


class DeadlineSource(Protocol):
    """Deadlines of another aggregate, for a user, today.

    The extension point for the policy's consultations (``consultation_deadline``) and the
    staff register's introductions (``introduction_missing``): their applications implement
    it and are passed to ``CaseService(deadline_sources=...)``.
    """

    def deadlines(self, user: User, today: date) -> Sequence[Deadline]: ...


def item(deadline: Deadline, today: date) -> DeadlineItem:
    return DeadlineItem(
        subject=deadline.subject,
        case_id=deadline.subject_id if deadline.subject == "case" else None,
        subject_id=deadline.subject_id,
        unit=deadline.unit,
        kind=deadline.kind.value,
        due_on=deadline.due_on,
        remind_on=deadline.remind_on,
        resolved_by_step=None if deadline.resolved_by_step is None else deadline.resolved_by_step.value,
        overdue=deadline.overdue(today),
        reminder_due=deadline.reminder_due(today),
    )


class DeadlineQueries:
    """The deadline query of ``CaseService``."""

    if TYPE_CHECKING:
        case_list: CaseListStore | None
        deadline_rules: DeadlineRules
        deadline_sources: Sequence[DeadlineSource]
        today: Callable[[], date]

    def deadlines(
        self, user: User, *, kind: str | None = None, due_before: date | None = None
    ) -> list[DeadlineItem]:
        """The user's deadlines (manager: own units; HR: all), overdue first, then by due date.

        ``kind`` keeps one kind; ``due_before`` keeps those due before that day.
        """
        require_caseworker(user, "read deadlines")
        kinds = {k.value for k in DeadlineKind}
        if kind is not None and kind not in kinds:
            raise InvalidCaseData.field("kind", f"unknown kind '{kind}'; choose from {', '.join(sorted(kinds))}")
        today = self.today()
        if self.case_list is None:
            raise RuntimeError("this CaseService was built without a case list")
        due = due_filter(self.deadline_rules, today, units=None if user.role is Role.HR else user.units,
                         retention=user.role is Role.HR)
        found = [d for facts in self.case_list.due_facts(due) for d in derive(facts, self.deadline_rules, today)]
        for source in self.deadline_sources:
            found += source.deadlines(user, today)
        items = [
            item(d, today) for d in found
            if can_see_unit(user, d.unit) and may_resolve(user, d)
            and (kind is None or d.kind.value == kind) and (due_before is None or d.due_on < due_before)
        ]
        return sorted(items, key=lambda i: (not i.overdue, i.due_on, i.kind, i.subject_id))


def due_filter(rules: DeadlineRules, today: date, *, units: frozenset[str] | None, retention: bool) -> DueFilter:
    """Which rows may have a deadline ``today`` under ``rules`` (retention only for whoever may erase)."""
    # Idle: the local day of the last step plus the status's days is today or earlier, that is,
    # the last step came before the start of the local day after today less those days.
    idle_since = {
        status.value: datetime.combine(today - timedelta(days=rules.idle_days_for(status) - 1), time(),
                                       tzinfo=LOCAL_TIMEZONE).astimezone(UTC)
        for status in Status if status is not Status.CLOSED
    }
    closed_by = None
    if retention and rules.retention_due_on is not None:
        closed_by = _retention_closed_by(rules.retention_due_on, today)
    return DueFilter(units=units, today=today, idle_since=idle_since, retention_closed_by=closed_by)


def _retention_closed_by(rule: RetentionRule, today: date) -> dict[str, date]:
    """Per outcome, the latest closing day whose retention is within its notice today.

    A retention rule never falls due earlier for a later closure (a period after it), so the
    closing days within notice are those up to one day, found by halving (about 17 calls each).
    """
    found: dict[str, date] = {}
    for outcome in Outcome:
        def within_notice(closed_on: date, outcome: Outcome = outcome) -> bool:
            due_on = rule(outcome, closed_on)
            return due_on is not None and due_on - timedelta(days=RETENTION_NOTICE_DAYS) <= today

        low, high = today - _RETENTION_SPAN, today + _RETENTION_SPAN
        if not within_notice(low):
            continue  # never, or not for centuries
        if within_notice(high):
            found[outcome.value] = high
            continue
        while (high - low).days > 1:  # within_notice(low) and not within_notice(high)
            middle = low + timedelta(days=(high - low).days // 2)
            low, high = (middle, high) if within_notice(middle) else (low, middle)
        found[outcome.value] = low
    return found


def may_resolve(user: User, deadline: Deadline) -> bool:
    # Retention is resolved by erasure, which is HR's alone: a manager is not told of it.
    return deadline.resolved_by_step not in HR_ONLY_STEPS or user.role is Role.HR
