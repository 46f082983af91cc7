"""The ``Case`` aggregate: one reported breach of the policy and every step taken on it.

Each command method checks the invariants first and raises a named domain error, then
triggers exactly one event; an event's ``apply`` only changes state, because it runs again
on every replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as AggregateSnapshot

from domain.case_state import CaseState
from domain.errors import EmployeeNotHeard, InvalidCaseData, NoPolicyInForce, TalkNotHeld
from domain.lifecycle import require_step, status_after
from domain.personal_data import PERSONAL_DATA_FIELDS, erase_from_state
from domain.policy_in_force import Citation, cite_default_draft, rule_text
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
from domain.staff import PolicyVersionRef, require_reason_for_unacknowledged
from domain.validation import (
    MAX_PARTICIPANTS,
    NAME_MAX_LENGTH,
    REF_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    check_step_date,
    raise_if,
    report_errors,
    talk_errors,
    text_error,
)
from domain.values import Actor, Channel, Outcome, Severity, Status, Step
from domain.working_days import DEFAULT_HEARING_WORKING_DAYS, add_working_days

__all__ = ["MAX_PARTICIPANTS", "NAME_MAX_LENGTH", "PERSONAL_DATA_FIELDS", "REF_MAX_LENGTH", "TEXT_MAX_LENGTH", "Case"]

class Case(CaseState, Aggregate):
    """A reported breach, from the report to its closure (and, possibly, erasure)."""

    #: 2: the case remembers the policy version it cites and the cited rules' words.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        cite_default_draft(state)

    class Snapshot(AggregateSnapshot):
        """A case's state at a version; a topic of its own so storage can treat it as the case's."""

    # --- events -------------------------------------------------------------------------

    class IncidentReported(Aggregate.Created):
        #: 2: adds the cited policy (id, version, unit adaptation) and the cited rules' words.
        class_version = 2

        actor: Actor
        unit: str
        employee_ref: str
        employee_name: str | None
        occurred_on: date
        rules: list[str]
        channel: str
        description: str
        policy_id: str
        policy_version: int
        policy_adaptation: int | None
        rule_texts: list[dict[str, str]]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            cite_default_draft(state)

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.policy_id = self.policy_id
            case.policy_version = self.policy_version
            case.policy_adaptation = self.policy_adaptation
            case.rule_texts = [dict(text) for text in self.rule_texts]
            case.unit = self.unit
            case.employee = Employee(self.employee_ref, self.employee_name)
            case.occurred_on = self.occurred_on
            case.rules = list(self.rules)
            case.channel = Channel(self.channel)
            case.description = self.description
            case.reported_by = self.actor
            case.status = Status.REPORTED
            case.status_before_closure = None
            case.assessment = None
            case.hearings = []
            case.statements = []
            case.talks = []
            case.warnings = []
            case.notes = []
            case.escalation = None
            case.closure = None
            case.reopenings = []
            case.erasure = None

    class Assessed(Aggregate.Event):
        actor: Actor
        work_environment_issue: bool
        severity: str
        notes: str | None

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.assessment = Assessment(
                self.work_environment_issue, Severity(self.severity), self.notes, self.timestamp, self.actor
            )
            case.status = status_after(Step.ASSESSMENT, case.status)

    class HearingOpened(Aggregate.Event):
        actor: Actor
        sent_on: date
        deadline: date

        def apply(self, aggregate: Any) -> None:
            aggregate.hearings.append(Hearing(self.sent_on, self.deadline, self.timestamp, self.actor))

    class StatementRecorded(Aggregate.Event):
        actor: Actor
        received_on: date
        summary: str

        def apply(self, aggregate: Any) -> None:
            aggregate.statements.append(
                Statement(self.received_on, self.summary, self.timestamp, self.actor)
            )

    class TalkHeld(Aggregate.Event):
        actor: Actor
        held_on: date
        participants: list[str]
        union_rep_present: bool
        summary: str

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.talks.append(DisciplinaryTalk(
                self.held_on, list(self.participants), self.union_rep_present, self.summary,
                self.timestamp, self.actor,
            ))
            case.status = status_after(Step.TALK, case.status)

    class WarningIssued(Aggregate.Event):
        actor: Actor
        issued_on: date
        text: str
        valid_until: date | None
        # §8: the policy version not acknowledged, and why warned anyway (defaults: old events replay).
        unacknowledged_policy_id: str | None = None
        unacknowledged_policy_version: int | None = None
        unacknowledged_policy_reason: str | None = None

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            policy_id, version = self.unacknowledged_policy_id, self.unacknowledged_policy_version
            policy = None if policy_id is None or version is None else PolicyVersionRef(policy_id, version)
            case.warnings.append(WrittenWarning(self.issued_on, self.text, self.valid_until, self.timestamp,
                                                self.actor, policy, self.unacknowledged_policy_reason))
            case.status = status_after(Step.WARNING, case.status)

    class Escalated(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.escalation = Escalation(self.reason, self.timestamp, self.actor)
            case.status = status_after(Step.ESCALATION, case.status)

    class NoteAdded(Aggregate.Event):
        actor: Actor
        text: str

        def apply(self, aggregate: Any) -> None:
            aggregate.notes.append(Note(self.text, self.timestamp, self.actor))

    class Closed(Aggregate.Event):
        actor: Actor
        outcome: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.closure = Closure(Outcome(self.outcome), self.reason, self.timestamp, self.actor)
            case.status_before_closure = case.status
            case.status = status_after(Step.CLOSURE, case.status)

    class Reopened(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.reopenings.append(Reopening(self.reason, self.timestamp, self.actor))
            assert case.status_before_closure is not None
            case.status = status_after(Step.REOPENING, case.status, case.status_before_closure)
            case.status_before_closure = None
            case.closure = None

    class PersonalDataErased(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.erase_personal_data_from_state()
            aggregate.erasure = Erasure(self.timestamp, self.actor)

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def report(
        cls,
        *,
        actor: Actor,
        unit: str,
        employee_ref: str,
        employee_name: str | None,
        occurred_on: date,
        rules: Sequence[str],
        channel: Channel,
        description: str,
        today: date,
        policy: Citation | None,
    ) -> Case:
        """A manager or HR reports an incident; the case starts as ``reported``.

        ``policy`` is the text in force in ``unit`` on ``occurred_on``: the rules must be its
        rules, and the case keeps their words as they stand in it. ``None``: none is in force.
        """
        errors = report_errors(
            unit=unit, employee_ref=employee_ref, employee_name=employee_name, occurred_on=occurred_on,
            rules=rules, description=description, today=today,
            known_rules=set(rules) if policy is None else policy.codes(),
        )
        if errors:
            raise InvalidCaseData(errors)
        if policy is None:
            raise NoPolicyInForce(unit, occurred_on.isoformat())
        return cls._create(
            cls.IncidentReported, actor=actor, unit=unit, employee_ref=employee_ref,
            employee_name=employee_name or None, occurred_on=occurred_on, rules=list(rules),
            channel=channel.value, description=description, policy_id=policy.policy_id,
            policy_version=policy.version, policy_adaptation=policy.adaptation,
            rule_texts=[rule_text(policy, code) for code in rules],
        )

    def assess(
        self, *, actor: Actor, work_environment_issue: bool, severity: Severity, notes: str | None
    ) -> None:
        """Assess the incident: is it a work-environment matter, and how serious."""
        self._require(Step.ASSESSMENT, actor)
        raise_if(text_error(notes, TEXT_MAX_LENGTH, required=False), "notes")
        self.trigger_event(
            self.Assessed, actor=actor, work_environment_issue=work_environment_issue,
            severity=severity.value, notes=notes or None,
        )

    def open_hearing(self, *, actor: Actor, sent_on: date, deadline: date | None, today: date) -> None:
        """Ask the employee for their account (partshøring), by a deadline.

        Without a deadline the employee gets ten Danish working days.
        """
        self._require(Step.HEARING, actor)
        self._check_step_date("sent_on", sent_on, today)
        if deadline is None:
            deadline = add_working_days(sent_on, DEFAULT_HEARING_WORKING_DAYS)
        elif deadline <= sent_on:
            raise InvalidCaseData.field("deadline", "must lie after sent_on")
        self.trigger_event(self.HearingOpened, actor=actor, sent_on=sent_on, deadline=deadline)

    def record_statement(self, *, actor: Actor, received_on: date, summary: str, today: date) -> None:
        """Record the employee's own account of what happened."""
        self._require(Step.STATEMENT, actor)
        self._check_step_date("received_on", received_on, today)
        raise_if(text_error(summary, TEXT_MAX_LENGTH, required=True), "summary")
        self.trigger_event(self.StatementRecorded, actor=actor, received_on=received_on, summary=summary)

    def hold_talk(
        self,
        *,
        actor: Actor,
        held_on: date,
        participants: Sequence[str],
        union_rep_present: bool,
        summary: str,
        today: date,
    ) -> None:
        """Record a disciplinary talk (tjenstlig samtale)."""
        self._require(Step.TALK, actor)
        self._check_step_date("held_on", held_on, today)
        errors = talk_errors(participants, summary)
        if errors:
            raise InvalidCaseData(errors)
        self.trigger_event(
            self.TalkHeld, actor=actor, held_on=held_on, participants=list(participants),
            union_rep_present=union_rep_present, summary=summary,
        )

    def issue_warning(
        self, *, actor: Actor, issued_on: date, text: str, valid_until: date | None, today: date,
        unacknowledged_policy: PolicyVersionRef | None = None, unacknowledged_policy_reason: str | None = None,
    ) -> None:
        """A written warning: after a talk, once heard, with a reason if the cited policy was not acknowledged."""
        self._require(Step.WARNING, actor)
        self._check_step_date("issued_on", issued_on, today)
        raise_if(text_error(text, TEXT_MAX_LENGTH, required=True), "text")
        if valid_until is not None and valid_until <= issued_on:
            raise InvalidCaseData.field("valid_until", "must lie after issued_on")
        others = [s for s in self.allowed_steps() if s is not Step.WARNING]
        if not any(talk.held_on <= issued_on for talk in self.talks):
            raise TalkNotHeld(
                Step.WARNING,
                self.status,
                others,
                f"a written warning needs a disciplinary talk held on or before {issued_on.isoformat()}",
            )
        if not self.employee_heard_by(issued_on):
            raise EmployeeNotHeard(
                Step.WARNING,
                self.status,
                others,
                "the employee has not been heard: record their statement, or wait until the "
                "deadline of a hearing has passed (forvaltningsloven § 19)",
            )
        if unacknowledged_policy is not None:
            require_reason_for_unacknowledged(self.status, others, unacknowledged_policy, unacknowledged_policy_reason)
        policy, reason = unacknowledged_policy, unacknowledged_policy_reason
        self.trigger_event(self.WarningIssued, actor=actor, issued_on=issued_on, text=text, valid_until=valid_until,
                           **({} if policy is None else {"unacknowledged_policy_id": policy.policy_id,
                              "unacknowledged_policy_version": policy.version, "unacknowledged_policy_reason": reason}))

    def escalate(self, *, actor: Actor, reason: str) -> None:
        """HR escalates the case beyond a written warning (further employment consequences)."""
        self._require(Step.ESCALATION, actor)
        raise_if(text_error(reason, TEXT_MAX_LENGTH, required=True), "reason")
        self.trigger_event(self.Escalated, actor=actor, reason=reason)

    def add_note(self, *, actor: Actor, text: str) -> None:
        self._require(Step.NOTE, actor)
        raise_if(text_error(text, TEXT_MAX_LENGTH, required=True), "text")
        self.trigger_event(self.NoteAdded, actor=actor, text=text)

    def close(self, *, actor: Actor, outcome: Outcome, reason: str) -> None:
        self._require(Step.CLOSURE, actor)
        raise_if(text_error(reason, TEXT_MAX_LENGTH, required=True), "reason")
        self.trigger_event(self.Closed, actor=actor, outcome=outcome.value, reason=reason)

    def reopen(self, *, actor: Actor, reason: str) -> None:
        """HR reopens a closed case; it returns to the status it was closed from."""
        self._require(Step.REOPENING, actor)
        raise_if(text_error(reason, TEXT_MAX_LENGTH, required=True), "reason")
        self.trigger_event(self.Reopened, actor=actor, reason=reason)

    def erase_personal_data(self, *, actor: Actor, reason: str) -> None:
        """HR erases the personal data of a closed case; the facts of the trail remain."""
        self._require(Step.ERASURE, actor)
        raise_if(text_error(reason, TEXT_MAX_LENGTH, required=True), "reason")
        self.trigger_event(self.PersonalDataErased, actor=actor, reason=reason)

    # --- internals ------------------------------------------------------------------------

    def _require(self, step: Step, actor: Actor) -> None:
        require_step(step, self.status, actor.role, erased=self.personal_data_erased)

    def _check_step_date(self, field: str, day: date, today: date) -> None:
        check_step_date(field, day, today=today, occurred_on=self.occurred_on)

    def erase_personal_data_from_state(self) -> None:
        """Forget the employee and every free text; keep dates, outcomes and actors."""
        erase_from_state(self)
