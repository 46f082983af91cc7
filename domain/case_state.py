"""The state a ``Case``'s events give it (declared for type checkers only), and queries on it.

Annotations at run time would turn the aggregate into a dataclass with a constructor, so they
live here under ``TYPE_CHECKING`` in a base class that adds nothing at run time.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.lifecycle import next_steps
from domain.values import Step

if TYPE_CHECKING:
    from domain.records import (
        Assessment,
        Closure,
        DisciplinaryTalk,
        Employee,
        Erasure,
        Escalation,
        Hearing,
        Note,
        Reopening,
        Statement,
        WrittenWarning,
    )
    from domain.values import Actor, Channel, Status


class CaseState:
    """Every attribute a case's events may set."""

    unit: str
    employee: Employee | None
    occurred_on: date
    rules: list[str]
    policy_id: str
    policy_version: int
    policy_adaptation: int | None
    rule_texts: list[dict[str, str]]
    channel: Channel
    description: str | None
    reported_by: Actor
    status: Status
    status_before_closure: Status | None
    assessment: Assessment | None
    hearings: list[Hearing]
    statements: list[Statement]
    talks: list[DisciplinaryTalk]
    warnings: list[WrittenWarning]
    notes: list[Note]
    escalation: Escalation | None
    closure: Closure | None
    reopenings: list[Reopening]
    erasure: Erasure | None

    # --- queries --------------------------------------------------------------------------

    @property
    def personal_data_erased(self) -> bool:
        return self.erasure is not None

    def allowed_steps(self) -> list[Step]:
        """The steps the case's status allows now (a warning may still need a hearing)."""
        return next_steps(self.status, erased=self.personal_data_erased)

    def employee_heard_by(self, day: date) -> bool:
        """Whether, on ``day``, the employee had given a statement or let a hearing's deadline pass."""
        return any(s.received_on <= day for s in self.statements) or any(
            h.deadline < day for h in self.hearings
        )
