"""Which policy version is in force for a unit on a date: the port staff coverage and warnings ask.

Coverage counts acknowledgements of the version in force, and a warning checks the employee's
acknowledgement of the version its case cites; both ask this one question. Until the policy
register answers it, every unit follows the installation's first policy, the shipped draft, as
version 1 (``FirstPolicyVersion``); with it, ``RegisteredPolicyVersions`` asks the register.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from domain.policy_in_force import Citation
from domain.policy_text import load_default_policy
from domain.staff import PolicyVersionRef


class PolicyInForce(Protocol):
    """Answers: which version of which policy is in force for ``unit`` on ``on``."""

    def version_in_force(self, unit: str, on: date) -> PolicyVersionRef | None:
        """The version in force, or ``None`` when no policy is in force there then."""
        ...


class FirstPolicyVersion:
    """Every unit, on every date, follows version 1 of the installation's first policy."""

    def __init__(self, policy_id: str | None = None):
        self.policy = PolicyVersionRef(policy_id or load_default_policy().key, 1)

    def version_in_force(self, unit: str, on: date) -> PolicyVersionRef | None:
        return self.policy


class PolicyRegister(Protocol):
    def version_in_force(self, unit: str | None, on: date) -> Citation | None: ...


class RegisteredPolicyVersions:
    """The version in force as the policy register has it (a unit's adaptation counts as its version)."""

    def __init__(self, register: PolicyRegister):
        self.register = register

    def version_in_force(self, unit: str, on: date) -> PolicyVersionRef | None:
        citation = self.register.version_in_force(unit, on)
        return None if citation is None else PolicyVersionRef(citation.policy_id, citation.version)
