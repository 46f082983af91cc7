"""The state a ``Case``'s events give it, declared for type checkers only.

Annotations at run time would turn the aggregate into a dataclass with a constructor, so they
live here under ``TYPE_CHECKING`` in a base class that adds nothing at run time.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

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
