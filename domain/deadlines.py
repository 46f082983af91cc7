"""Deadlines of a case, derived from its events and the configured rules — never stored by hand.

One place decides when a case needs someone: the hearing deadline (partshøring) reached or
approaching, a case left without a step for too long, a written warning whose validity ends
soon, and a closed case whose retention runs out. The case list's ``overdue`` flag and the
reminders use this same derivation, so a deadline cannot mean one thing in the list and
another in a mail. Everything here is a pure function of facts and today's date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from domain.values import Outcome, Status, Step

if TYPE_CHECKING:
    from domain.case import Case

#: Dates in a case are calendar dates where the municipality is.
LOCAL_TIMEZONE = ZoneInfo("Europe/Copenhagen")

DEFAULT_IDLE_DAYS = 14
WARNING_NOTICE_DAYS = 30
RETENTION_NOTICE_DAYS = 30


class DeadlineKind(Enum):
    """What kind of deadline; the values are the API's and the mails' vocabulary."""

    HEARING = "hearing_deadline"  # the hearing's deadline: then a warning may be issued
    IDLE = "idle"  # no step for the configured number of days
    WARNING_EXPIRY = "warning_expiry"  # a written warning's validity ends
    RETENTION = "retention_due"  # a closed case's personal data is due for archiving and erasure
    # Deadlines of other aggregates, produced by their own sources (see service/deadlines.py).
    CONSULTATION = "consultation_deadline"  # a policy consultation closed with bodies not answered
    INTRODUCTION = "introduction_missing"  # a new starter without the policy's introduction


@dataclass(frozen=True)
class Deadline:
    """One deadline: about what, of which kind, due when, and which step resolves it.

    ``remind_on`` is the day a reminder goes out: the day after a hearing deadline (the first
    day a warning may be issued), the due day itself for idle cases and retention, and
    thirty days ahead for a warning's expiry.
    """

    subject_id: str  # a case id (or, for other subjects, their id)
    unit: str
    kind: DeadlineKind
    due_on: date
    remind_on: date
    resolved_by_step: Step | None  # None: nothing to do but take note
    subject: str = "case"

    def overdue(self, today: date) -> bool:
        return self.due_on < today

    def reminder_due(self, today: date) -> bool:
        return self.remind_on <= today


RetentionRule = Callable[[Outcome, date], "date | None"]


@dataclass(frozen=True)
class DeadlineRules:
    """The configurable rules: idle days per status (the step that led there), and retention."""

    idle_days: Mapping[Status, int] = field(default_factory=dict)
    default_idle_days: int = DEFAULT_IDLE_DAYS
    # None: no retention deadlines. A later closure never falls due earlier (the deadline query
    # relies on it to ask the case list for only the closures within notice).
    retention_due_on: RetentionRule | None = None

    def idle_days_for(self, status: Status) -> int:
        return self.idle_days.get(status, self.default_idle_days)


@dataclass(frozen=True)
class HearingFacts:
    """The latest hearing of a case and whether it has been answered since it was sent."""

    sent_on: date
    deadline: date
    answered: bool  # a statement received, or a warning issued, on or after sent_on


@dataclass(frozen=True)
class CaseFacts:
    """What the derivation needs to know about a case; folded from its events."""

    case_id: str
    unit: str
    status: Status
    last_activity_on: date
    hearing: HearingFacts | None
    warnings_valid_until: tuple[date, ...]
    closed_on: date | None
    outcome: Outcome | None
    personal_data_erased: bool
    heard: bool  # a warning is possible as far as the hearing goes


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIMEZONE).date()


def case_facts(case: Case) -> CaseFacts:
    """The facts of a ``Case`` aggregate as the derivation reads them."""
    hearing = None
    if case.hearings:
        latest = case.hearings[-1]
        answered = any(s.received_on >= latest.sent_on for s in case.statements) or any(
            w.issued_on >= latest.sent_on for w in case.warnings
        )
        hearing = HearingFacts(latest.sent_on, latest.deadline, answered)
    closed_on = local_date(case.closure.closed_at) if case.closure is not None else None
    modified_on: datetime = case.modified_on
    return CaseFacts(
        case_id=str(case.id),
        unit=case.unit,
        status=case.status,
        last_activity_on=local_date(modified_on),
        hearing=hearing,
        warnings_valid_until=tuple(w.valid_until for w in case.warnings if w.valid_until is not None),
        closed_on=closed_on,
        outcome=case.closure.outcome if case.closure is not None else None,
        personal_data_erased=case.personal_data_erased,
        heard=bool(case.statements) or bool(case.hearings),
    )


def hearing_overdue(deadline: date | None, *, answered: bool, closed: bool, today: date) -> bool:
    """An open case whose latest hearing deadline passed unanswered: the manager must act.

    The case list's ``overdue`` flag is exactly this (and its SQL filter says the same).
    """
    return not closed and deadline is not None and deadline < today and not answered


#: The step that usually comes next from each open status: what resolves an idle case.
_NEXT_STEP = {
    Status.REPORTED: Step.ASSESSMENT,
    Status.ASSESSED: Step.TALK,
    Status.TALK_HELD: Step.WARNING,
    Status.WARNING_ISSUED: Step.CLOSURE,
    Status.ESCALATED: Step.CLOSURE,
}


def derive(facts: CaseFacts, rules: DeadlineRules, today: date) -> list[Deadline]:
    """Every deadline of the case that matters ``today``, earliest due first.

    A hearing deadline shows from the day the hearing is sent (approaching) until it is
    answered; an idle case once its idle days have run; a warning's expiry in its last
    thirty days; retention thirty days ahead of its due date. An erased case has none.
    """
    if facts.personal_data_erased:
        return []
    found: list[Deadline] = []

    def add(kind: DeadlineKind, due_on: date, remind_on: date, step: Step | None) -> None:
        found.append(Deadline(facts.case_id, facts.unit, kind, due_on, remind_on, step))

    closed = facts.status is Status.CLOSED
    hearing = facts.hearing
    if hearing is not None and not closed and not hearing.answered:
        step = Step.WARNING if facts.status in {Status.REPORTED, Status.ASSESSED, Status.TALK_HELD} else None
        add(DeadlineKind.HEARING, hearing.deadline, hearing.deadline + timedelta(days=1), step or Step.CLOSURE)
    if not closed:
        idle_due = facts.last_activity_on + timedelta(days=rules.idle_days_for(facts.status))
        if idle_due <= today:
            next_step = _NEXT_STEP[facts.status]
            if next_step is Step.WARNING and not facts.heard:
                next_step = Step.HEARING
            add(DeadlineKind.IDLE, idle_due, idle_due, next_step)
    for valid_until in facts.warnings_valid_until:
        notice = valid_until - timedelta(days=WARNING_NOTICE_DAYS)
        if notice <= today <= valid_until:
            add(DeadlineKind.WARNING_EXPIRY, valid_until, notice, None)
    if closed and rules.retention_due_on is not None and facts.outcome is not None and facts.closed_on:
        due_on = rules.retention_due_on(facts.outcome, facts.closed_on)
        if due_on is not None and due_on - timedelta(days=RETENTION_NOTICE_DAYS) <= today:
            add(DeadlineKind.RETENTION, due_on, due_on, Step.ERASURE)
    return sorted(found, key=lambda d: (d.due_on, d.kind.value))


def parse_idle_days(text: str) -> tuple[int, dict[Status, int]]:
    """Read ``14`` or ``14,reported=7,talk_held=10``: a default and days per status (open ones)."""
    default = DEFAULT_IDLE_DAYS
    per_status: dict[Status, int] = {}
    open_statuses = {s.value: s for s in Status if s is not Status.CLOSED}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, equals, value = (part.strip() for part in item.partition("="))
        days_text = value if equals else name
        if not days_text.isdigit() or not 1 <= int(days_text) <= 3650:
            raise ValueError(f"'{item}': days must be a whole number from 1 to 3650")
        if not equals:
            default = int(days_text)
        elif name in open_statuses:
            per_status[open_statuses[name]] = int(days_text)
        else:
            raise ValueError(f"'{name}' is not an open status (use {', '.join(open_statuses)})")
    return default, per_status
