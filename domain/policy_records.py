"""What a policy remembers of each step: its versions, their consultation, approval and adaptations.

Kept apart from the aggregate (``domain/policy.py``) so that the rules for which version is in
force (``domain/policy_in_force.py``) read plain records, not events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from domain.policy_text import PolicyItem, PolicyText, rules
from domain.values import Actor


class Position(Enum):
    """What a consulted body said about the text."""

    SUPPORTS = "supports"
    OBJECTS = "objects"
    PROPOSES_CHANGES = "proposes_changes"


class VersionStatus(Enum):
    """Where a version of a policy stands."""

    DRAFT = "draft"
    IN_CONSULTATION = "in_consultation"
    CONSULTED = "consulted"
    APPROVED = "approved"
    IN_FORCE = "in_force"


@dataclass(frozen=True)
class ConsultationResponse:
    body: str
    received_on: date
    position: Position
    summary: str
    recorded_at: datetime
    recorded_by: Actor


@dataclass
class Consultation:
    """A version sent for consultation (høring) to named bodies, such as the LMUs of units."""

    bodies: list[str]
    sent_on: date
    deadline: date
    sent_at: datetime
    sent_by: Actor
    responses: list[ConsultationResponse] = field(default_factory=list)
    closed_on: date | None = None
    closed_by: Actor | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def awaiting(self) -> list[str]:
        """The bodies that have not answered, in the order they were consulted."""
        answered = {r.body for r in self.responses}
        return [body for body in self.bodies if body not in answered]

    def overdue(self, today: date) -> bool:
        """Open, past its deadline, and some body has not answered."""
        return self.is_open and self.deadline < today and bool(self.awaiting())


@dataclass(frozen=True)
class Approval:
    """The decision that adopted a text: the body (MED, OMU, an LMU), its meeting and reference."""

    body: str
    meeting_on: date
    reference: str
    recorded_at: datetime
    recorded_by: Actor


@dataclass(frozen=True)
class UnitAdaptation:
    """A unit's variant of a version: the whole text, approved by the unit's LMU, numbered per unit."""

    unit: str
    number: int
    text: PolicyText
    approval: Approval
    in_force_from: date

    def rules(self) -> tuple[PolicyItem, ...]:
        return rules(self.text)


@dataclass
class PolicyVersion:
    """One version of a policy's text; never edited once drafted (a revision is a new version)."""

    number: int
    text: PolicyText
    drafted_at: datetime
    drafted_by: Actor
    consultation: Consultation | None = None
    approval: Approval | None = None
    in_force_from: date | None = None
    installation_default: bool = False
    adaptations: list[UnitAdaptation] = field(default_factory=list)

    def rules(self) -> tuple[PolicyItem, ...]:
        return rules(self.text)

    @property
    def status(self) -> VersionStatus:
        if self.in_force_from is not None:
            return VersionStatus.IN_FORCE
        if self.approval is not None:
            return VersionStatus.APPROVED
        if self.consultation is not None:
            return VersionStatus.IN_CONSULTATION if self.consultation.is_open else VersionStatus.CONSULTED
        return VersionStatus.DRAFT

    def adaptations_for(self, unit: str) -> list[UnitAdaptation]:
        return [a for a in self.adaptations if a.unit == unit]


@dataclass(frozen=True)
class PolicyEnd:
    """The policy stopped applying on ``on``: withdrawn, or superseded by another policy."""

    on: date
    reason: str
    superseded_by: str | None
    recorded_at: datetime
    recorded_by: Actor
