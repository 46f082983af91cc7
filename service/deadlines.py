"""``CaseService.deadlines``: a user's deadlines, derived from the events of the cases they may see.

The case list only narrows the search (which cases, in which units); each case's own events
decide its deadlines, through ``domain.deadlines.derive``. Deadlines of other aggregates (a
policy consultation closing with bodies not answered, a new starter without the policy's
introduction) come from ``DeadlineSource``s that their applications register, so this query
is the one place "my tasks", the reminders and the calendar feed read from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from domain.deadlines import Deadline, DeadlineKind, DeadlineRules, case_facts, derive
from domain.errors import InvalidCaseData
from domain.lifecycle import HR_ONLY_STEPS
from domain.values import Role, Status
from service.authorisation import can_see_unit, require_caseworker
from service.case_list import CaseListFilter, CaseListStore, CaseRow
from service.users import User

if TYPE_CHECKING:
    from domain.case import Case

_PAGE = 500
#: Closed cases that may still have a deadline for a manager: a warning whose validity ends.
_CLOSED_AFTER_WARNING = frozenset({Status.WARNING_ISSUED.value, Status.ESCALATED.value})


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

        def _load(self, case_id: UUID, *, copy: bool = True) -> Case: ...

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
        found = [d for row in self._rows_for(user) for d in self._case_deadlines(row, today)]
        for source in self.deadline_sources:
            found += source.deadlines(user, today)
        items = [
            item(d, today) for d in found
            if can_see_unit(user, d.unit) and _may_resolve(user, d)
            and (kind is None or d.kind.value == kind) and (due_before is None or d.due_on < due_before)
        ]
        return sorted(items, key=lambda i: (not i.overdue, i.due_on, i.kind, i.subject_id))

    def _case_deadlines(self, row: CaseRow, today: date) -> list[Deadline]:
        case = self._load(UUID(row.id), copy=False)
        return derive(case_facts(case), self.deadline_rules, today)

    def _rows_for(self, user: User) -> list[CaseRow]:
        if self.case_list is None:
            raise RuntimeError("this CaseService was built without a case list")
        units = None if user.role is Role.HR else user.units
        rows: list[CaseRow] = []
        offset = 0
        while True:
            page, total = self.case_list.page(
                CaseListFilter(units=units), today=self.today(), offset=offset, limit=_PAGE
            )
            rows += [row for row in page if _may_have_deadlines(user, row)]
            offset += _PAGE
            if offset >= total or not page:
                return rows


def _may_have_deadlines(user: User, row: CaseRow) -> bool:
    # Only narrows: loading a case costs, and most closed cases have nothing left to do.
    if row.personal_data_erased:
        return False
    if row.status != Status.CLOSED.value:
        return True
    return user.role is Role.HR or row.status_before_closure in _CLOSED_AFTER_WARNING


def _may_resolve(user: User, deadline: Deadline) -> bool:
    # Retention is resolved by erasure, which is HR's alone: a manager is not told of it.
    return deadline.resolved_by_step not in HR_ONLY_STEPS or user.role is Role.HR
