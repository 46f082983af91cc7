"""Deadlines of the policy's roll-out: consultations past their deadline, introductions missing.

They join the cases' deadlines (``CaseService.deadlines``, the reminders, the calendar feeds)
through ``DeadlineSource``. Like every deadline they carry no personal data: a consultation is
named by its policy and version, a new starter by the staff list's opaque id, never by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from domain.deadlines import Deadline, DeadlineKind
from domain.values import Role
from service.authorisation import can_see_unit
from service.coverage import UnitCoverage
from service.users import User

#: A consultation with no unit of its own (the area's common guideline) is listed under this name.
AREA = "omraadet"


class OverdueConsultations(Protocol):
    def overdue_consultations(self, today: date | None = None) -> list[dict[str, object]]: ...

    def scope_of(self, policy_key: str) -> str | None: ...


class UnitCoverages(Protocol):
    def units(self) -> list[str]: ...

    def coverage(self, unit: str, on: date) -> UnitCoverage: ...


class ConsultationDeadlines:
    """HR's: a consultation past its deadline with bodies that have not answered (resolved by closing it)."""

    def __init__(self, policies: OverdueConsultations):
        self.policies = policies

    def deadlines(self, user: User, today: date) -> Sequence[Deadline]:
        if user.role is not Role.HR:
            return []
        found = []
        for overdue in self.policies.overdue_consultations(today):
            key, version, due = str(overdue["policy"]), overdue["version"], overdue["deadline"]
            assert isinstance(due, date)
            found.append(Deadline(
                subject_id=f"{key}:{version}", unit=self.policies.scope_of(key) or AREA,
                kind=DeadlineKind.CONSULTATION, due_on=due, remind_on=due + timedelta(days=1),
                resolved_by_step=None, subject="policy",
            ))
        return found


class IntroductionDeadlines:
    """A new starter without the policy's introduction, due a configured number of days after they started."""

    def __init__(self, staff: UnitCoverages):
        self.staff = staff

    def deadlines(self, user: User, today: date) -> Sequence[Deadline]:
        found = []
        for unit in self.staff.units():
            if not can_see_unit(user, unit):
                continue
            for missing in self.staff.coverage(unit, today).missing:
                if missing.introduction_due_on is None:
                    continue
                found.append(Deadline(
                    subject_id=missing.member_id, unit=unit, kind=DeadlineKind.INTRODUCTION,
                    due_on=missing.introduction_due_on, remind_on=missing.introduction_due_on,
                    resolved_by_step=None, subject="employee",
                ))
        return found
