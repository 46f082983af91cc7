"""Staff and the policy's roll-out (§8 of the draft): who works in a unit, and who was told the rule.

A ``StaffMember`` is one employee on a unit's staff list, imported from HR's system or edited by
HR; each acknowledgement of a policy version is an event on it, so "had the employee been told
the rule before the warning?" has an answer with a trail. A ``ReviewSession`` (gennemgang) is one
meeting where a version was reviewed with some of a unit's employees; it names its participants
by their staff-member ids, never by name, so erasing an employee's personal data leaves every
session and every count intact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from domain.errors import DomainError, InvalidCaseData, PolicyNotAcknowledged
from domain.validation import NAME_MAX_LENGTH, REF_MAX_LENGTH, TEXT_MAX_LENGTH, collect, text_error
from domain.values import Actor, Status, Step, is_unit_slug

MAX_REVIEW_PARTICIPANTS = 1000
POLICY_ID_MAX_LENGTH = 64

#: Event attributes of staff events that hold personal data (encrypted with the member's key).
STAFF_PERSONAL_FIELDS = frozenset({"employee_ref", "name", "reason"})
#: Event attributes of review sessions that hold personal data (encrypted with the session's key).
REVIEW_PERSONAL_FIELDS = frozenset({"led_by"})


@dataclass(frozen=True, order=True)
class PolicyVersionRef:
    """One version of one policy, as cases and acknowledgements cite it."""

    policy_id: str
    version: int

    def __str__(self) -> str:
        return f"{self.policy_id} v{self.version}"


class AcknowledgementMethod(Enum):
    """How an employee was taken through a policy version."""

    REVIEW = "review"  # a review session (gennemgang) with the unit
    INTRO_MEETING = "intro_meeting"  # the introduction of a new employee, in a meeting
    E_LEARNING = "e_learning"
    HANDED_OUT = "handed_out"  # handed out, and signed for

    @classmethod
    def introduction_methods(cls) -> tuple[AcknowledgementMethod, ...]:
        return (cls.INTRO_MEETING, cls.E_LEARNING, cls.HANDED_OUT)


@dataclass(frozen=True)
class Acknowledgement:
    """An employee acknowledged a policy version on a day, in a way, recorded by someone."""

    policy: PolicyVersionRef
    acknowledged_on: date
    method: AcknowledgementMethod
    review_id: str | None
    recorded_at: datetime
    recorded_by: Actor


class StaffMemberErased(DomainError):
    """The employee's personal data was erased: nothing more is recorded about them."""


def _date_errors(
    errors: dict[str, list[str]], start_date: date, end_date: date | None, *, prefix: str = ""
) -> None:
    if end_date is not None and end_date < start_date:
        errors[f"{prefix}end_date"] = ["must not lie before start_date"]


def member_errors(
    *, unit: str, employee_ref: str, name: str, start_date: date, end_date: date | None
) -> dict[str, list[str]]:
    """What is wrong with a staff list entry, field by field."""
    errors: dict[str, list[str]] = {}
    if not is_unit_slug(unit):
        errors["unit"] = ["must be a slug of lowercase letters, digits and hyphens"]
    collect(errors, "employee_ref", text_error(employee_ref, REF_MAX_LENGTH, required=True))
    collect(errors, "name", text_error(name, NAME_MAX_LENGTH, required=True))
    _date_errors(errors, start_date, end_date)
    return errors


def _policy_errors(policy: PolicyVersionRef) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    collect(errors, "policy_id", text_error(policy.policy_id, POLICY_ID_MAX_LENGTH, required=True))
    if policy.version < 1:
        errors["policy_version"] = ["must be 1 or more"]
    return errors


def require_reason_for_unacknowledged(
    status: Status, others: Sequence[Step], policy: PolicyVersionRef, reason: str | None
) -> None:
    """A warning to an employee who had not acknowledged ``policy`` needs a stated reason."""
    if reason is None or not reason.strip():
        raise PolicyNotAcknowledged(
            Step.WARNING, status, others,
            f"the employee has no acknowledgement of the policy the case cites ({policy}) by the day "
            "of the warning: confirm with unacknowledged_policy_reason why it is issued all the same",
            policy=policy,
        )
    message = text_error(reason, TEXT_MAX_LENGTH, required=True)
    if message:
        raise InvalidCaseData.field("unacknowledged_policy_reason", message)


class StaffMember(Aggregate):
    """One employee on a unit's staff list, and every acknowledgement of the policy they gave."""

    class Joined(Aggregate.Created):
        actor: Actor
        unit: str
        employee_ref: str
        name: str
        start_date: date
        end_date: date | None

        def apply(self, aggregate: Any) -> None:
            member: StaffMember = aggregate
            member.unit = self.unit
            member.employee_ref = self.employee_ref
            member.name = self.name
            member.start_date = self.start_date
            member.end_date = self.end_date
            member.acknowledgements = []
            member.erased_at = None

    class DetailsChanged(Aggregate.Event):
        actor: Actor
        unit: str
        name: str
        start_date: date
        end_date: date | None

        def apply(self, aggregate: Any) -> None:
            member: StaffMember = aggregate
            member.unit = self.unit
            member.name = self.name
            member.start_date = self.start_date
            member.end_date = self.end_date

    class PolicyAcknowledged(Aggregate.Event):
        actor: Actor
        policy_id: str
        policy_version: int
        acknowledged_on: date
        method: str
        review_id: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.acknowledgements.append(Acknowledgement(
                PolicyVersionRef(self.policy_id, self.policy_version), self.acknowledged_on,
                AcknowledgementMethod(self.method), self.review_id, self.timestamp, self.actor,
            ))

    class PersonalDataErased(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.employee_ref = None
            aggregate.name = None
            aggregate.erased_at = self.timestamp

    if TYPE_CHECKING:
        unit: str
        employee_ref: str | None
        name: str | None
        start_date: date
        end_date: date | None
        acknowledgements: list[Acknowledgement]
        erased_at: datetime | None

    @classmethod
    def join(
        cls, *, actor: Actor, unit: str, employee_ref: str, name: str, start_date: date, end_date: date | None
    ) -> StaffMember:
        """A new entry on a unit's staff list."""
        errors = member_errors(unit=unit, employee_ref=employee_ref, name=name, start_date=start_date,
                               end_date=end_date)
        if errors:
            raise InvalidCaseData(errors)
        return cls._create(cls.Joined, actor=actor, unit=unit, employee_ref=employee_ref, name=name,
                           start_date=start_date, end_date=end_date)

    def change(
        self, *, actor: Actor, unit: str, name: str, start_date: date, end_date: date | None
    ) -> bool:
        """Record new details; ``False`` (and no event) when nothing differs."""
        self._require_not_erased()
        assert self.employee_ref is not None
        errors = member_errors(unit=unit, employee_ref=self.employee_ref, name=name, start_date=start_date,
                               end_date=end_date)
        if errors:
            raise InvalidCaseData(errors)
        if (unit, name, start_date, end_date) == (self.unit, self.name, self.start_date, self.end_date):
            return False
        self.trigger_event(self.DetailsChanged, actor=actor, unit=unit, name=name, start_date=start_date,
                           end_date=end_date)
        return True

    def acknowledge(
        self,
        *,
        actor: Actor,
        policy: PolicyVersionRef,
        acknowledged_on: date,
        method: AcknowledgementMethod,
        review_id: str | None,
        today: date,
        field: str = "acknowledged_on",
    ) -> None:
        """The employee acknowledged ``policy`` on ``acknowledged_on``."""
        self._require_not_erased()
        errors = _policy_errors(policy)
        if acknowledged_on > today:
            errors[field] = [f"must not lie in the future (today is {today.isoformat()})"]
        elif self.end_date is not None and acknowledged_on > self.end_date:
            errors[field] = [f"lies after the employee's end date ({self.end_date.isoformat()})"]
        if errors:
            raise InvalidCaseData(errors)
        self.trigger_event(
            self.PolicyAcknowledged, actor=actor, policy_id=policy.policy_id, policy_version=policy.version,
            acknowledged_on=acknowledged_on, method=method.value, review_id=review_id,
        )

    def erase_personal_data(self, *, actor: Actor, reason: str) -> None:
        """Forget the employee's reference and name; their acknowledgements (facts) remain."""
        self._require_not_erased()
        errors: dict[str, list[str]] = {}
        collect(errors, "reason", text_error(reason, NAME_MAX_LENGTH * 5, required=True))
        if errors:
            raise InvalidCaseData(errors)
        self.trigger_event(self.PersonalDataErased, actor=actor, reason=reason)

    # --- queries --------------------------------------------------------------------------

    def employed_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def first_acknowledgement(self, policy: PolicyVersionRef, *, by: date | None = None) -> Acknowledgement | None:
        """The earliest acknowledgement of ``policy`` (given on or before ``by``, when named)."""
        found = [a for a in self.acknowledgements
                 if a.policy == policy and (by is None or a.acknowledged_on <= by)]
        return min(found, key=lambda a: a.acknowledged_on, default=None)

    def _require_not_erased(self) -> None:
        if self.erased_at is not None:
            raise StaffMemberErased(f"staff member {self.id}: personal data erased, nothing more is recorded")


class ReviewSession(Aggregate):
    """A review of a policy version with some of a unit's employees (gennemgang)."""

    class Held(Aggregate.Created):
        actor: Actor
        unit: str
        held_on: date
        policy_id: str
        policy_version: int
        led_by: str
        participant_ids: list[str]

        def apply(self, aggregate: Any) -> None:
            session: ReviewSession = aggregate
            session.unit = self.unit
            session.held_on = self.held_on
            session.policy = PolicyVersionRef(self.policy_id, self.policy_version)
            session.led_by = self.led_by
            session.participant_ids = list(self.participant_ids)
            session.recorded_by = self.actor

    if TYPE_CHECKING:
        unit: str
        held_on: date
        policy: PolicyVersionRef
        led_by: str | None
        participant_ids: list[str]
        recorded_by: Actor

    @classmethod
    def hold(
        cls,
        *,
        actor: Actor,
        unit: str,
        held_on: date,
        policy: PolicyVersionRef,
        led_by: str,
        participant_ids: Sequence[str],
        today: date,
    ) -> ReviewSession:
        """Record a review session; every participant is one staff member, named once."""
        errors = _policy_errors(policy)
        if not is_unit_slug(unit):
            errors["unit"] = ["must be a slug of lowercase letters, digits and hyphens"]
        if held_on > today:
            errors["held_on"] = [f"must not lie in the future (today is {today.isoformat()})"]
        collect(errors, "led_by", text_error(led_by, NAME_MAX_LENGTH, required=True))
        if not participant_ids:
            errors["participants"] = ["name at least one participant"]
        elif len(participant_ids) > MAX_REVIEW_PARTICIPANTS:
            errors["participants"] = [f"name at most {MAX_REVIEW_PARTICIPANTS} participants"]
        elif len(set(participant_ids)) != len(participant_ids):
            errors["participants"] = ["name each participant once"]
        if errors:
            raise InvalidCaseData(errors)
        return cls._create(
            cls.Held, actor=actor, unit=unit, held_on=held_on, policy_id=policy.policy_id,
            policy_version=policy.version, led_by=led_by, participant_ids=list(participant_ids),
        )
