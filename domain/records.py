"""What a case remembers of each step: immutable records kept in the aggregate's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.staff import PolicyVersionRef
from domain.values import Actor, Outcome, Severity


@dataclass(frozen=True)
class Employee:
    """The employee a case is about. ``ref`` is the municipality's own reference."""

    ref: str
    name: str | None


@dataclass(frozen=True)
class Assessment:
    work_environment_issue: bool
    severity: Severity
    notes: str | None
    assessed_at: datetime
    assessed_by: Actor


@dataclass(frozen=True)
class Hearing:
    """Partshøring: the employee was asked for their account by ``deadline``."""

    sent_on: date
    deadline: date
    opened_at: datetime
    opened_by: Actor


@dataclass(frozen=True)
class Statement:
    """The employee's own account."""

    received_on: date
    summary: str | None
    recorded_at: datetime
    recorded_by: Actor


@dataclass(frozen=True)
class DisciplinaryTalk:
    """Tjenstlig samtale."""

    held_on: date
    participants: list[str]
    union_rep_present: bool
    summary: str | None
    recorded_at: datetime
    recorded_by: Actor


@dataclass(frozen=True)
class WrittenWarning:
    """Skriftlig advarsel."""

    issued_on: date
    text: str | None
    valid_until: date | None
    recorded_at: datetime
    recorded_by: Actor
    # The policy version the employee had not acknowledged, and why the warning was given anyway.
    unacknowledged_policy: PolicyVersionRef | None = None
    unacknowledged_policy_reason: str | None = None


@dataclass(frozen=True)
class Note:
    text: str | None
    added_at: datetime
    added_by: Actor


@dataclass(frozen=True)
class Escalation:
    reason: str | None
    escalated_at: datetime
    escalated_by: Actor


@dataclass(frozen=True)
class Closure:
    outcome: Outcome
    reason: str | None
    closed_at: datetime
    closed_by: Actor


@dataclass(frozen=True)
class Reopening:
    reason: str | None
    reopened_at: datetime
    reopened_by: Actor


@dataclass(frozen=True)
class Erasure:
    erased_at: datetime
    erased_by: Actor


RECORD_TYPES = (
    Employee,
    Assessment,
    Hearing,
    Statement,
    DisciplinaryTalk,
    WrittenWarning,
    Note,
    Escalation,
    Closure,
    Reopening,
    Erasure,
)
