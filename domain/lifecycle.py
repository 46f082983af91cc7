"""The case lifecycle in one table: which step may be taken from which status, who may take it,
and where it leads.

The aggregate enforces it, the case list folds statuses by it and the service derives who may
take a step from it, so a change to the lifecycle is made here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import RoleNotPermitted, StepNotAllowed
from domain.values import Role, Status, Step

OPEN_STATUSES = frozenset(
    {Status.REPORTED, Status.ASSESSED, Status.TALK_HELD, Status.WARNING_ISSUED, Status.ESCALATED}
)


@dataclass(frozen=True)
class StepRule:
    """One step of the lifecycle."""

    allowed_from: frozenset[Status]
    leads_to: Status | None = None  # None: the status stays as it is
    keeps: frozenset[Status] = frozenset()  # statuses the step is allowed from but does not move on
    undoes_closure: bool = False  # back to the status the case was closed from
    hr_only: bool = False


LIFECYCLE: dict[Step, StepRule] = {
    Step.ASSESSMENT: StepRule(frozenset({Status.REPORTED, Status.ASSESSED}), leads_to=Status.ASSESSED),
    Step.HEARING: StepRule(OPEN_STATUSES),
    Step.STATEMENT: StepRule(OPEN_STATUSES),
    # A follow-up talk after a warning keeps the case at warning_issued.
    Step.TALK: StepRule(
        frozenset({Status.ASSESSED, Status.TALK_HELD, Status.WARNING_ISSUED}),
        leads_to=Status.TALK_HELD,
        keeps=frozenset({Status.WARNING_ISSUED}),
    ),
    Step.WARNING: StepRule(frozenset({Status.TALK_HELD}), leads_to=Status.WARNING_ISSUED),
    Step.ESCALATION: StepRule(frozenset({Status.WARNING_ISSUED}), leads_to=Status.ESCALATED, hr_only=True),
    Step.NOTE: StepRule(OPEN_STATUSES),
    Step.CLOSURE: StepRule(OPEN_STATUSES, leads_to=Status.CLOSED),
    Step.REOPENING: StepRule(frozenset({Status.CLOSED}), undoes_closure=True, hr_only=True),
    Step.ERASURE: StepRule(frozenset({Status.CLOSED}), hr_only=True),
}

HR_ONLY_STEPS = frozenset(step for step, rule in LIFECYCLE.items() if rule.hr_only)


def steps_allowed_from(status: Status) -> list[Step]:
    """The steps a case in ``status`` may take next (before any further invariant)."""
    return [step for step, rule in LIFECYCLE.items() if status in rule.allowed_from]


def next_steps(status: Status, *, erased: bool) -> list[Step]:
    """The steps a case may take now; none once its personal data is erased."""
    return [] if erased else steps_allowed_from(status)


def require_step(step: Step, status: Status, role: Role, *, erased: bool) -> None:
    """Raise the domain's error if ``role`` may not take ``step`` on a case in ``status``."""
    if step in HR_ONLY_STEPS and role is not Role.HR:
        raise RoleNotPermitted(step, role.value)
    allowed = next_steps(status, erased=erased)
    if step not in allowed:
        reason = None
        if erased:
            reason = f"'{step.value}' is not allowed: the case's personal data has been erased"
        raise StepNotAllowed(step, status, allowed, reason)


def status_after(step: Step, status: Status, status_before_closure: Status | None = None) -> Status:
    """The status a case in ``status`` has once ``step`` is taken."""
    rule = LIFECYCLE[step]
    if rule.undoes_closure:
        if status_before_closure is None:
            raise ValueError(f"'{step.value}' needs the status the case was closed from")
        return status_before_closure
    if rule.leads_to is None or status in rule.keeps:
        return status
    return rule.leads_to
