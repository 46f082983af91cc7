"""Domain errors: named, carrying what a caller needs to explain them to a person."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.values import Status, Step


class DomainError(Exception):
    """A command the domain refuses. Nothing was changed."""


class InvalidCaseData(DomainError):
    """Input that can never be valid for this case, keyed by field (a client's mistake)."""

    def __init__(self, errors: Mapping[str, Iterable[str]]):
        self.errors: dict[str, list[str]] = {field: list(msgs) for field, msgs in errors.items()}
        super().__init__(
            "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        )

    @classmethod
    def field(cls, name: str, message: str) -> InvalidCaseData:
        return cls({name: [message]})


class StepNotAllowed(DomainError):
    """The step is illegal for the case's current status."""

    def __init__(
        self,
        step: Step,
        status: Status,
        allowed: Iterable[Step],
        reason: str | None = None,
    ):
        self.step = step
        self.status = status
        self.allowed = tuple(allowed)
        self.reason = reason or f"'{step.value}' is not allowed while the case is {status.value}"
        allowed_text = ", ".join(s.value for s in self.allowed) or "none"
        super().__init__(
            f"{self.reason}. Current status: {status.value}. Allowed steps: {allowed_text}."
        )


class EmployeeNotHeard(StepNotAllowed):
    """A written warning before the employee was heard (forvaltningsloven § 19)."""


class PolicyNotAcknowledged(StepNotAllowed):
    """A written warning to an employee with no acknowledgement of the policy the case cites,
    without a reason for issuing it all the same (§8 of the draft: the rule must be known)."""

    def __init__(self, *args: Any, policy: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.policy = policy


class TalkNotHeld(StepNotAllowed):
    """A written warning without a disciplinary talk held before it."""


class RoleNotPermitted(DomainError):
    """The acting user's role may never take this step (e.g. a manager escalating)."""

    def __init__(self, step: Step, role: str):
        self.step = step
        self.role = role
        super().__init__(f"a user with role '{role}' may not take the step '{step.value}'")


class InvalidPolicyData(InvalidCaseData):
    """Input for a policy step that can never be valid (a text out of format, a blank body)."""


class PolicyStepNotAllowed(DomainError):
    """A policy step its current state forbids (approving a version still in consultation, …)."""

    def __init__(self, policy_id: str, reason: str, *, code: str = "", **facts: Any):
        self.policy_id = policy_id
        self.reason = reason
        #: Which refusal this is, and what it names, for a reader in another language.
        self.code = code
        self.facts = facts
        super().__init__(f"policy {policy_id}: {reason}")


class NoPolicyInForce(DomainError):
    """No version of any policy is in force for the unit on the date: nothing a case could cite."""

    def __init__(self, unit: str, on: str):
        self.unit = unit
        self.on = on
        super().__init__(
            f"no policy is in force for unit '{unit}' on {on}: bring a version into force for the "
            "area or the unit from that date or earlier, then report again"
        )
