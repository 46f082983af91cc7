"""The ``Case`` aggregate: one reported breach of the policy and every step taken on it.

Each command method checks the invariants first and raises a named domain error, then
triggers exactly one event; an event's ``apply`` only changes state, because it runs again
on every replay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as AggregateSnapshot

from domain.errors import (
    EmployeeNotHeard,
    InvalidCaseData,
    RoleNotPermitted,
    StepNotAllowed,
    TalkNotHeld,
)
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
from domain.rules import is_known_rule
from domain.values import Actor, Channel, Outcome, Role, Severity, Status, Step, is_unit_slug
from domain.working_days import DEFAULT_HEARING_WORKING_DAYS, add_working_days

TEXT_MAX_LENGTH = 5000
REF_MAX_LENGTH = 64
NAME_MAX_LENGTH = 200
MAX_PARTICIPANTS = 20

#: Event attributes that hold personal data: the employee, and every free text.
PERSONAL_DATA_FIELDS = frozenset(
    {"employee_ref", "employee_name", "description", "notes", "summary", "participants", "text", "reason"}
)

_OPEN = {Status.REPORTED, Status.ASSESSED, Status.TALK_HELD, Status.WARNING_ISSUED, Status.ESCALATED}

#: Which statuses each step may be taken from (before any further invariant).
STEP_FROM: dict[Step, frozenset[Status]] = {
    Step.ASSESSMENT: frozenset({Status.REPORTED, Status.ASSESSED}),
    Step.HEARING: frozenset(_OPEN),
    Step.STATEMENT: frozenset(_OPEN),
    Step.TALK: frozenset({Status.ASSESSED, Status.TALK_HELD, Status.WARNING_ISSUED}),
    Step.WARNING: frozenset({Status.TALK_HELD}),
    Step.ESCALATION: frozenset({Status.WARNING_ISSUED}),
    Step.NOTE: frozenset(_OPEN),
    Step.CLOSURE: frozenset(_OPEN),
    Step.REOPENING: frozenset({Status.CLOSED}),
    Step.ERASURE: frozenset({Status.CLOSED}),
}

HR_ONLY_STEPS = frozenset({Step.ESCALATION, Step.REOPENING, Step.ERASURE})


class Case(Aggregate):
    """A reported breach, from the report to its closure (and, possibly, erasure)."""

    class Snapshot(AggregateSnapshot):
        """A case's state at a version; a topic of its own so storage can treat it as the case's."""

    # --- events -------------------------------------------------------------------------

    class IncidentReported(Aggregate.Created):
        actor: Actor
        unit: str
        employee_ref: str
        employee_name: str | None
        occurred_on: date
        rules: list[str]
        channel: str
        description: str

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
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
            case.status = Status.ASSESSED

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
            case.talks.append(
                DisciplinaryTalk(
                    self.held_on,
                    list(self.participants),
                    self.union_rep_present,
                    self.summary,
                    self.timestamp,
                    self.actor,
                )
            )
            # A follow-up talk after a warning keeps the case at warning_issued.
            if case.status in (Status.ASSESSED, Status.TALK_HELD):
                case.status = Status.TALK_HELD

    class WarningIssued(Aggregate.Event):
        actor: Actor
        issued_on: date
        text: str
        valid_until: date | None

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.warnings.append(
                WrittenWarning(self.issued_on, self.text, self.valid_until, self.timestamp, self.actor)
            )
            case.status = Status.WARNING_ISSUED

    class Escalated(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.escalation = Escalation(self.reason, self.timestamp, self.actor)
            case.status = Status.ESCALATED

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
            case.status = Status.CLOSED

    class Reopened(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.reopenings.append(Reopening(self.reason, self.timestamp, self.actor))
            assert case.status_before_closure is not None
            case.status = case.status_before_closure
            case.status_before_closure = None
            case.closure = None

    class PersonalDataErased(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.erase_personal_data_from_state()
            aggregate.erasure = Erasure(self.timestamp, self.actor)

    # --- state that every event may touch (declared for type checkers only: annotations
    # at run time would turn the aggregate into a dataclass with a constructor) ---------

    if TYPE_CHECKING:
        unit: str
        employee: Employee | None
        occurred_on: date
        rules: list[str]
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
    ) -> Case:
        """A manager or HR reports an incident; the case starts as ``reported``."""
        errors: dict[str, list[str]] = {}
        if not is_unit_slug(unit):
            errors["unit"] = ["must be a slug of lowercase letters, digits and hyphens"]
        _collect(errors, "employee.ref", _text_error(employee_ref, REF_MAX_LENGTH, required=True))
        _collect(errors, "employee.name", _text_error(employee_name, NAME_MAX_LENGTH, required=False))
        if occurred_on > today:
            errors["occurred_on"] = [f"must not lie in the future (today is {today.isoformat()})"]
        _collect(errors, "rules", _rules_error(rules))
        _collect(errors, "description", _text_error(description, TEXT_MAX_LENGTH, required=True))
        if errors:
            raise InvalidCaseData(errors)
        return cls._create(
            cls.IncidentReported,
            actor=actor,
            unit=unit,
            employee_ref=employee_ref,
            employee_name=employee_name or None,
            occurred_on=occurred_on,
            rules=list(rules),
            channel=channel.value,
            description=description,
        )

    def assess(
        self, *, actor: Actor, work_environment_issue: bool, severity: Severity, notes: str | None
    ) -> None:
        """Assess the incident: is it a work-environment matter, and how serious."""
        self._require(Step.ASSESSMENT, actor)
        _raise_if(_text_error(notes, TEXT_MAX_LENGTH, required=False), "notes")
        self.trigger_event(
            self.Assessed,
            actor=actor,
            work_environment_issue=work_environment_issue,
            severity=severity.value,
            notes=notes or None,
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
        _raise_if(_text_error(summary, TEXT_MAX_LENGTH, required=True), "summary")
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
        errors: dict[str, list[str]] = {}
        if not participants:
            errors["participants"] = ["name at least one participant"]
        elif len(participants) > MAX_PARTICIPANTS:
            errors["participants"] = [f"name at most {MAX_PARTICIPANTS} participants"]
        else:
            for index, name in enumerate(participants):
                _collect(errors, f"participants.{index}", _text_error(name, NAME_MAX_LENGTH, required=True))
        _collect(errors, "summary", _text_error(summary, TEXT_MAX_LENGTH, required=True))
        if errors:
            raise InvalidCaseData(errors)
        self.trigger_event(
            self.TalkHeld,
            actor=actor,
            held_on=held_on,
            participants=list(participants),
            union_rep_present=union_rep_present,
            summary=summary,
        )

    def issue_warning(
        self, *, actor: Actor, issued_on: date, text: str, valid_until: date | None, today: date
    ) -> None:
        """Issue a written warning: only after a talk, and only once the employee was heard."""
        self._require(Step.WARNING, actor)
        self._check_step_date("issued_on", issued_on, today)
        _raise_if(_text_error(text, TEXT_MAX_LENGTH, required=True), "text")
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
        self.trigger_event(
            self.WarningIssued, actor=actor, issued_on=issued_on, text=text, valid_until=valid_until
        )

    def escalate(self, *, actor: Actor, reason: str) -> None:
        """HR escalates the case beyond a written warning (further employment consequences)."""
        self._require(Step.ESCALATION, actor)
        _raise_if(_text_error(reason, TEXT_MAX_LENGTH, required=True), "reason")
        self.trigger_event(self.Escalated, actor=actor, reason=reason)

    def add_note(self, *, actor: Actor, text: str) -> None:
        self._require(Step.NOTE, actor)
        _raise_if(_text_error(text, TEXT_MAX_LENGTH, required=True), "text")
        self.trigger_event(self.NoteAdded, actor=actor, text=text)

    def close(self, *, actor: Actor, outcome: Outcome, reason: str) -> None:
        self._require(Step.CLOSURE, actor)
        _raise_if(_text_error(reason, TEXT_MAX_LENGTH, required=True), "reason")
        self.trigger_event(self.Closed, actor=actor, outcome=outcome.value, reason=reason)

    def reopen(self, *, actor: Actor, reason: str) -> None:
        """HR reopens a closed case; it returns to the status it was closed from."""
        self._require(Step.REOPENING, actor)
        _raise_if(_text_error(reason, TEXT_MAX_LENGTH, required=True), "reason")
        self.trigger_event(self.Reopened, actor=actor, reason=reason)

    def erase_personal_data(self, *, actor: Actor, reason: str) -> None:
        """HR erases the personal data of a closed case; the facts of the trail remain."""
        self._require(Step.ERASURE, actor)
        _raise_if(_text_error(reason, TEXT_MAX_LENGTH, required=True), "reason")
        self.trigger_event(self.PersonalDataErased, actor=actor, reason=reason)

    # --- queries --------------------------------------------------------------------------

    @property
    def personal_data_erased(self) -> bool:
        return self.erasure is not None

    def allowed_steps(self) -> list[Step]:
        """The steps the case's status allows now (a warning may still need a hearing)."""
        if self.personal_data_erased:
            return []
        return [step for step, statuses in STEP_FROM.items() if self.status in statuses]

    def employee_heard_by(self, day: date) -> bool:
        """Whether, on ``day``, the employee had given a statement or let a hearing's deadline pass."""
        return any(s.received_on <= day for s in self.statements) or any(
            h.deadline < day for h in self.hearings
        )

    # --- internals ------------------------------------------------------------------------

    def _require(self, step: Step, actor: Actor) -> None:
        if step in HR_ONLY_STEPS and actor.role is not Role.HR:
            raise RoleNotPermitted(step, actor.role.value)
        if step not in self.allowed_steps():
            reason = None
            if self.personal_data_erased:
                reason = f"'{step.value}' is not allowed: the case's personal data has been erased"
            raise StepNotAllowed(step, self.status, self.allowed_steps(), reason)

    def _check_step_date(self, field: str, day: date, today: date) -> None:
        if day > today:
            raise InvalidCaseData.field(field, f"must not lie in the future (today is {today.isoformat()})")
        if day < self.occurred_on:
            raise InvalidCaseData.field(
                field, f"must not lie before the incident ({self.occurred_on.isoformat()})"
            )

    def erase_personal_data_from_state(self) -> None:
        """Forget the employee and every free text; keep dates, outcomes and actors."""
        self.employee = None
        self.description = None
        if self.assessment is not None:
            self.assessment = dataclasses.replace(self.assessment, notes=None)
        self.statements = [dataclasses.replace(s, summary=None) for s in self.statements]
        self.talks = [dataclasses.replace(t, participants=[], summary=None) for t in self.talks]
        self.warnings = [dataclasses.replace(w, text=None) for w in self.warnings]
        self.notes = [dataclasses.replace(n, text=None) for n in self.notes]
        if self.escalation is not None:
            self.escalation = dataclasses.replace(self.escalation, reason=None)
        if self.closure is not None:
            self.closure = dataclasses.replace(self.closure, reason=None)
        self.reopenings = [dataclasses.replace(r, reason=None) for r in self.reopenings]


def _text_error(value: str | None, max_length: int, *, required: bool) -> str | None:
    if value is None or value == "":
        return "is required" if required else None
    if not isinstance(value, str):
        return "must be a string"
    if required and not value.strip():
        return "must not be blank"
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    return None


def _rules_error(rules: Sequence[str]) -> str | None:
    if not rules:
        return "name at least one rule of the policy"
    unknown = [code for code in rules if not is_known_rule(code)]
    if unknown:
        return f"unknown rule code(s): {', '.join(map(str, unknown))}"
    if len(set(rules)) != len(rules):
        return "each rule may be named once"
    return None


def _collect(errors: dict[str, list[str]], field: str, message: str | None) -> None:
    if message is not None:
        errors.setdefault(field, []).append(message)


def _raise_if(message: str | None, field: str) -> None:
    if message is not None:
        raise InvalidCaseData.field(field, message)
