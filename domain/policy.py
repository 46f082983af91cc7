"""The ``Policy`` aggregate: a guideline's own words, its versions, consultation, approval and force.

A case cites the words the employees were shown, so the policy is event-sourced like a case: each
version's text is stored whole in the event that drafted it and never changes (a revision is a new
version); consultation in named bodies (the units' LMUs), approval (MED, OMU), coming into force
and unit adaptations are events on the version they concern. Commands check first and raise a
named error; an event's ``apply`` only changes state, because it runs again on every replay.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

from eventsourcing.domain import Aggregate

from domain.errors import InvalidPolicyData, PolicyStepNotAllowed
from domain.policy_checks import MAX_BODIES, NAME_MAX_LENGTH, check_name, parse_text, policy_uuid
from domain.policy_records import (
    Approval,
    Consultation,
    ConsultationResponse,
    PolicyEnd,
    PolicyVersion,
    Position,
    UnitAdaptation,
)
from domain.policy_text import parse_policy_text, render_policy_text, rules
from domain.validation import TEXT_MAX_LENGTH, text_error
from domain.values import Actor, is_unit_slug

__all__ = ["MAX_BODIES", "NAME_MAX_LENGTH", "Policy", "parse_text", "policy_uuid"]

class Policy(Aggregate):
    """A guideline for the whole area (``scope_unit`` None) or for one unit, with its versions."""

    # --- events (their names are stored: never rename one) ---------------------------------

    class Drafted(Aggregate.Created):
        actor: Actor
        key: str
        scope_unit: str | None
        based_on_policy: str | None
        based_on_version: int | None
        text: str

        def apply(self, aggregate: Any) -> None:
            policy: Policy = aggregate
            policy.key = self.key
            policy.scope_unit = self.scope_unit
            policy.based_on = (
                None if self.based_on_policy is None
                else {"id": self.based_on_policy, "version": self.based_on_version}
            )
            policy.drafted_by = self.actor
            policy.versions = [PolicyVersion(1, parse_policy_text(self.text), self.timestamp, self.actor)]
            policy.end = None

    class Revised(Aggregate.Event):
        actor: Actor
        text: str

        def apply(self, aggregate: Any) -> None:
            versions: list[PolicyVersion] = aggregate.versions
            versions.append(
                PolicyVersion(len(versions) + 1, parse_policy_text(self.text), self.timestamp, self.actor)
            )

    class SentToConsultation(Aggregate.Event):
        actor: Actor
        version: int
        bodies: list[str]
        sent_on: date
        deadline: date

        def apply(self, aggregate: Any) -> None:
            aggregate.version_record(self.version).consultation = Consultation(
                list(self.bodies), self.sent_on, self.deadline, self.timestamp, self.actor
            )

    class ConsultationResponseRecorded(Aggregate.Event):
        actor: Actor
        version: int
        body: str
        received_on: date
        position: str
        summary: str

        def apply(self, aggregate: Any) -> None:
            consultation = aggregate.version_record(self.version).consultation
            consultation.responses.append(ConsultationResponse(
                self.body, self.received_on, Position(self.position), self.summary, self.timestamp, self.actor
            ))

    class ConsultationClosed(Aggregate.Event):
        actor: Actor
        version: int
        closed_on: date

        def apply(self, aggregate: Any) -> None:
            consultation = aggregate.version_record(self.version).consultation
            consultation.closed_on = self.closed_on
            consultation.closed_by = self.actor

    class Approved(Aggregate.Event):
        actor: Actor
        version: int
        body: str
        meeting_on: date
        reference: str

        def apply(self, aggregate: Any) -> None:
            aggregate.version_record(self.version).approval = Approval(
                self.body, self.meeting_on, self.reference, self.timestamp, self.actor
            )

    class EnteredIntoForce(Aggregate.Event):
        actor: Actor
        version: int
        in_force_from: date

        def apply(self, aggregate: Any) -> None:
            aggregate.version_record(self.version).in_force_from = self.in_force_from

    class InstalledAsDefault(Aggregate.Event):
        """An installation's first policy, in force everywhere until the area adopts its own."""

        actor: Actor
        version: int
        in_force_from: date

        def apply(self, aggregate: Any) -> None:
            record = aggregate.version_record(self.version)
            record.in_force_from = self.in_force_from
            record.installation_default = True

    class AdaptedForUnit(Aggregate.Event):
        actor: Actor
        version: int
        unit: str
        text: str
        body: str
        meeting_on: date
        reference: str
        in_force_from: date

        def apply(self, aggregate: Any) -> None:
            record: PolicyVersion = aggregate.version_record(self.version)
            approval = Approval(self.body, self.meeting_on, self.reference, self.timestamp, self.actor)
            number = len(record.adaptations_for(self.unit)) + 1
            record.adaptations.append(UnitAdaptation(
                self.unit, number, parse_policy_text(self.text), approval, self.in_force_from
            ))

    class Superseded(Aggregate.Event):
        actor: Actor
        by_policy: str
        on: date

        def apply(self, aggregate: Any) -> None:
            aggregate.end = PolicyEnd(self.on, f"superseded by {self.by_policy}", self.by_policy,
                                      self.timestamp, self.actor)

    class Withdrawn(Aggregate.Event):
        actor: Actor
        on: date
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.end = PolicyEnd(self.on, self.reason, None, self.timestamp, self.actor)

    if TYPE_CHECKING:
        key: str
        scope_unit: str | None
        based_on: dict[str, Any] | None
        drafted_by: Actor
        versions: list[PolicyVersion]
        end: PolicyEnd | None

    # --- commands -----------------------------------------------------------------------------

    @classmethod
    def draft(
        cls,
        *,
        actor: Actor,
        text: str,
        scope_unit: str | None = None,
        based_on_policy: str | None = None,
        based_on_version: int | None = None,
    ) -> Policy:
        """A new policy from its first text, for the area (no unit) or for one unit."""
        parsed = parse_text(text)
        if scope_unit is not None and not is_unit_slug(scope_unit):
            raise InvalidPolicyData.field("scope.unit", "must be a slug of lowercase letters, digits and hyphens")
        if (based_on_policy is None) != (based_on_version is None):
            raise InvalidPolicyData.field("based_on", "name both the policy and its version, or neither")
        return cls._create(
            cls.Drafted, id=policy_uuid(parsed.key), actor=actor, key=parsed.key, scope_unit=scope_unit,
            based_on_policy=based_on_policy, based_on_version=based_on_version,
            text=render_policy_text(parsed),
        )

    @classmethod
    def install_default(cls, *, actor: Actor, text: str, in_force_from: date) -> Policy:
        """The installation's default policy: drafted and in force for the whole area at once."""
        policy = cls.draft(actor=actor, text=text)
        policy.trigger_event(cls.InstalledAsDefault, actor=actor, version=1, in_force_from=in_force_from)
        return policy

    def revise(self, *, actor: Actor, text: str) -> int:
        """A new version of the text; earlier versions, in force or not, stay as they were."""
        self._require_active()
        parsed = parse_text(text)
        if parsed.key != self.key:
            raise InvalidPolicyData.field("text", f"the text's key must stay '{self.key}', not '{parsed.key}'")
        if parsed == self.versions[-1].text:
            raise InvalidPolicyData.field("text", f"the same text as version {self.versions[-1].number}")
        self.trigger_event(self.Revised, actor=actor, text=render_policy_text(parsed))
        return self.versions[-1].number

    def send_to_consultation(
        self, *, actor: Actor, version: int, bodies: list[str], sent_on: date, deadline: date
    ) -> None:
        """Send a draft version to named bodies for consultation (høring), to answer by ``deadline``."""
        record = self._version_for_step(version)
        if record.approval is not None or record.in_force_from is not None:
            self._refuse(f"version {version} is already approved; revise it to consult on a new text",
                         "approved_no_consultation", version=version)
        if record.consultation is not None:
            self._refuse(f"version {version} was already sent to consultation on {record.consultation.sent_on}",
                         "already_consulted", version=version, on=record.consultation.sent_on)
        if not bodies:
            raise InvalidPolicyData.field("bodies", "name at least one body to consult")
        if len(bodies) > MAX_BODIES:
            raise InvalidPolicyData.field("bodies", f"name at most {MAX_BODIES} bodies")
        for index, body in enumerate(bodies):
            check_name(f"bodies.{index}", body)
        if len(set(bodies)) != len(bodies):
            raise InvalidPolicyData.field("bodies", "name each body once")
        if deadline <= sent_on:
            raise InvalidPolicyData.field("deadline", "must lie after sent_on")
        self.trigger_event(self.SentToConsultation, actor=actor, version=version, bodies=list(bodies),
                           sent_on=sent_on, deadline=deadline)

    def record_response(
        self, *, actor: Actor, version: int, body: str, received_on: date, position: Position, summary: str
    ) -> None:
        """Record a consulted body's answer, while the consultation is open."""
        consultation = self._open_consultation(version)
        if body not in consultation.bodies:
            raise InvalidPolicyData.field(
                "body", f"was not consulted; the bodies are: {', '.join(consultation.bodies)}"
            )
        if body not in consultation.awaiting():
            self._refuse(f"{body} has already answered the consultation on version {version}",
                         "already_answered", version=version, body=body)
        if received_on < consultation.sent_on:
            raise InvalidPolicyData.field(
                "received_on", f"must not lie before the consultation ({consultation.sent_on})"
            )
        problem = text_error(summary, TEXT_MAX_LENGTH, required=True)
        if problem is not None:
            raise InvalidPolicyData.field("summary", problem)
        self.trigger_event(self.ConsultationResponseRecorded, actor=actor, version=version, body=body,
                           received_on=received_on, position=position.value, summary=summary)

    def close_consultation(self, *, actor: Actor, version: int, closed_on: date) -> None:
        consultation = self._open_consultation(version)
        if closed_on < consultation.sent_on:
            raise InvalidPolicyData.field("closed_on", f"must not lie before the consultation ({consultation.sent_on})")
        self.trigger_event(self.ConsultationClosed, actor=actor, version=version, closed_on=closed_on)

    def approve(self, *, actor: Actor, version: int, body: str, meeting_on: date, reference: str) -> None:
        """Record the decision adopting a version (MED, OMU); its consultation must be closed first."""
        record = self._version_for_step(version)
        if record.approval is not None:
            self._refuse(f"version {version} was already approved by {record.approval.body}",
                         "already_approved", version=version, body=record.approval.body)
        if record.in_force_from is not None:
            self._refuse(f"version {version} is already in force", "already_in_force", version=version)
        if record.consultation is not None and record.consultation.is_open:
            self._refuse(f"the consultation on version {version} is still open: close it first",
                         "consultation_open", version=version)
        check_name("body", body)
        check_name("reference", reference)
        if record.consultation is not None and meeting_on < record.consultation.sent_on:
            raise InvalidPolicyData.field("meeting_on", "must not lie before the consultation")
        self.trigger_event(self.Approved, actor=actor, version=version, body=body, meeting_on=meeting_on,
                           reference=reference)

    def bring_into_force(self, *, actor: Actor, version: int, in_force_from: date) -> None:
        """An approved version comes into force from a date, after any earlier version of this policy."""
        record = self._version_for_step(version)
        if record.in_force_from is not None:
            self._refuse(f"version {version} is already in force from {record.in_force_from}",
                         "in_force_from", version=version, on=record.in_force_from)
        if record.approval is None:
            self._refuse(f"version {version} is not approved: only an approved version can come into force",
                         "not_approved_for_force", version=version)
        if in_force_from < record.approval.meeting_on:
            raise InvalidPolicyData.field(
                "in_force_from", f"must not lie before the approval ({record.approval.meeting_on})"
            )
        latest = max((v.in_force_from for v in self.versions if v.in_force_from is not None), default=None)
        if latest is not None and in_force_from <= latest:
            raise InvalidPolicyData.field(
                "in_force_from", f"must lie after {latest}, when an earlier version came into force"
            )
        self.trigger_event(self.EnteredIntoForce, actor=actor, version=version, in_force_from=in_force_from)

    def adapt_for_unit(
        self, *, actor: Actor, version: int, unit: str, text: str, body: str, meeting_on: date,
        reference: str, in_force_from: date,
    ) -> int:
        """A unit's own variant of an approved version, approved by its LMU; it may add or reword, not remove."""
        record = self._version_for_step(version)
        if self.scope_unit is not None:
            self._refuse(f"this policy is {self.scope_unit}'s own; only the area's common guideline is adapted",
                         "unit_own", unit=self.scope_unit)
        if record.approval is None and not record.installation_default:
            self._refuse(f"version {version} is not approved: adapt an approved version",
                         "not_approved_for_adaptation", version=version)
        if not is_unit_slug(unit):
            raise InvalidPolicyData.field("unit", "must be a slug of lowercase letters, digits and hyphens")
        parsed = parse_text(text)
        if parsed.key != self.key:
            raise InvalidPolicyData.field("text", f"the text's key must stay '{self.key}', not '{parsed.key}'")
        kept = {item.code for item in rules(parsed)}
        removed = [item.code for item in record.rules() if item.code not in kept]
        if removed:
            raise InvalidPolicyData.field(
                "text",
                f"an adaptation may add rules or adjust their wording, not remove them: {', '.join(removed)} missing",
            )
        check_name("body", body)
        check_name("reference", reference)
        if in_force_from < meeting_on:
            raise InvalidPolicyData.field("in_force_from", "must not lie before the meeting that approved it")
        self.trigger_event(self.AdaptedForUnit, actor=actor, version=version, unit=unit,
                           text=render_policy_text(parsed), body=body, meeting_on=meeting_on,
                           reference=reference, in_force_from=in_force_from)
        return len(record.adaptations_for(unit))

    def supersede(self, *, actor: Actor, by_policy: str, on: date) -> None:
        """Another policy takes over from ``on``; no version of this one is in force from then."""
        self._require_active()
        if by_policy == self.key:
            raise InvalidPolicyData.field("by", "a policy cannot supersede itself")
        self.trigger_event(self.Superseded, actor=actor, by_policy=by_policy, on=on)

    def withdraw(self, *, actor: Actor, on: date, reason: str) -> None:
        """The policy stops applying from ``on``; its history stays."""
        self._require_active()
        problem = text_error(reason, TEXT_MAX_LENGTH, required=True)
        if problem is not None:
            raise InvalidPolicyData.field("reason", problem)
        self.trigger_event(self.Withdrawn, actor=actor, on=on, reason=reason)

    # --- queries ------------------------------------------------------------------------------

    def version_record(self, number: int) -> PolicyVersion:
        """Version ``number``; ``KeyError`` when there is none."""
        if not 1 <= number <= len(self.versions):
            raise KeyError(number)
        return self.versions[number - 1]

    def has_version(self, number: int) -> bool:
        return 1 <= number <= len(self.versions)

    # --- internals ----------------------------------------------------------------------------

    def _refuse(self, reason: str, code: str, **facts: Any) -> NoReturn:
        raise PolicyStepNotAllowed(self.key, reason, code=code, **facts)

    def _require_active(self) -> None:
        if self.end is not None:
            self._refuse(f"the policy ended on {self.end.on} ({self.end.reason})", "ended", on=self.end.on,
                         why=self.end.reason)

    def _version_for_step(self, version: int) -> PolicyVersion:
        self._require_active()
        if not self.has_version(version):
            self._refuse(f"there is no version {version} (the latest is {len(self.versions)})", "no_such_version",
                         version=version, latest=len(self.versions))
        return self.version_record(version)

    def _open_consultation(self, version: int) -> Consultation:
        record = self._version_for_step(version)
        if record.consultation is None or not record.consultation.is_open:
            self._refuse(f"version {version} has no open consultation", "no_open_consultation", version=version)
        assert record.consultation is not None
        return record.consultation

