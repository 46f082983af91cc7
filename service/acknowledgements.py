"""Due process at the point of sanction: had the employee acknowledged the policy the case cites?

A warning for breaching a rule no one told the employee about is weak in any hearing. The case
cites the version in force in its unit on the incident's date; the employee is matched by their
reference on the staff list. A unit that keeps no staff list in breachtrail yet cannot be asked,
and the answer says so (``staff_list_kept``) instead of pretending no one was told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.staff import PolicyVersionRef
from service.policy_in_force import PolicyInForce
from service.staff_directory import StaffDirectory


@dataclass(frozen=True)
class AcknowledgementStatus:
    """Whether the employee had acknowledged the cited version by a day, and when and how."""

    policy: PolicyVersionRef | None  # None: no policy in force for the unit on the incident's date
    staff_list_kept: bool  # the unit has a staff list here
    on_staff_list: bool  # the employee's reference is on a staff list
    acknowledged_on: date | None
    method: str | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_on is not None

    @property
    def requires_reason(self) -> bool:
        """A warning needs a stated reason: the unit keeps a staff list and the employee had not acknowledged."""
        return self.policy is not None and self.staff_list_kept and not self.acknowledged


class AcknowledgementCheck:
    """Answers the due-process question from the staff list and the policy in force."""

    def __init__(self, directory: StaffDirectory, policy: PolicyInForce):
        self.directory = directory
        self.policy = policy

    def status(
        self, *, unit: str, employee_ref: str | None, occurred_on: date, by: date,
        cited: PolicyVersionRef | None = None,
    ) -> AcknowledgementStatus:
        """The employee's acknowledgement, by ``by``, of the version the case ``cited`` (default: the
        version in force in ``unit`` on ``occurred_on``)."""
        policy = cited or self.policy.version_in_force(unit, occurred_on)
        kept, member, acknowledged = self.directory.acknowledgement_facts(unit, employee_ref)
        if policy is None or member is None:
            return AcknowledgementStatus(policy, kept, member is not None, None, None)
        acks = [a for a in acknowledged if a.policy == policy and a.acknowledged_on <= by]
        first = min(acks, key=lambda a: a.acknowledged_on, default=None)
        return AcknowledgementStatus(
            policy, kept, True, first.acknowledged_on if first else None, first.method if first else None
        )
