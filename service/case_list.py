"""The case list read model: what a row says about a case, folded from its events.

The fold is pure (no storage): ``evolve(row, event)`` gives the row after one more event.
Storage is a port (``CaseListStore``) that adapters implement with SQL tables; commands
write rows in the same transaction as their events, and a rebuild replays the event log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from domain.case import Case
from domain.deadlines import CaseFacts, HearingFacts, hearing_overdue, local_date
from domain.lifecycle import status_after
from domain.values import Outcome, Status, Step
from service.views import CaseSummary


@dataclass(frozen=True)
class CaseRow:
    """One case as the list (and the statistics) see it."""

    id: str
    version: int
    unit: str
    status: str
    status_before_closure: str | None
    outcome: str | None
    employee_ref: str | None
    employee_name: str | None
    occurred_on: date
    rules: tuple[str, ...]
    channel: str
    reported_at: datetime
    reported_by: str
    last_activity_at: datetime
    hearing_sent_on: date | None
    hearing_deadline: date | None
    # The latest hearing answered: a statement received, or a warning issued, since it was sent
    # (the name is older than the second half; domain/deadlines.py reads it the same way).
    statement_after_hearing: bool
    personal_data_erased: bool
    # What the deadlines read besides the above (domain.deadlines.CaseFacts), kept so that they
    # are derived from the list rather than from each case's events.
    latest_answer_on: date | None  # the latest day a statement was received or a warning issued
    warnings_valid_until: tuple[date, ...]  # each warning's last valid day, in the order issued
    last_warning_valid_until: date | None  # the latest of them (what a query can compare)
    closed_on: date | None  # the local day of the closure in force
    heard: bool  # a hearing sent or a statement received

    def facts(self) -> CaseFacts:
        """The facts the deadlines are derived from, as ``domain.deadlines.case_facts`` gives them."""
        return deadline_facts(**{name: getattr(self, name) for name in DEADLINE_FIELDS})

    def is_overdue(self, today: date) -> bool:
        """An open case whose hearing deadline passed unanswered: the deadlines' own rule."""
        return hearing_overdue(
            self.hearing_deadline, answered=self.statement_after_hearing,
            closed=self.status == Status.CLOSED.value, today=today,
        )

    def summary(self, today: date) -> CaseSummary:
        return CaseSummary(
            id=self.id,
            version=self.version,
            unit=self.unit,
            status=self.status,
            employee=None
            if self.personal_data_erased or self.employee_ref is None
            else {"ref": self.employee_ref, "name": self.employee_name},
            occurred_on=self.occurred_on,
            rules=list(self.rules),
            channel=self.channel,
            reported_at=self.reported_at,
            reported_by=self.reported_by,
            last_activity_at=self.last_activity_at,
            hearing_deadline=self.hearing_deadline,
            overdue=self.is_overdue(today),
            personal_data_erased=self.personal_data_erased,
        )


#: The attributes ``evolve`` and the transitions read of each class of event (and its subclasses):
#: a rebuild decodes these alone (``service.partial_events``), so keep them in step with the fold.
FOLDED_FIELDS: dict[type, frozenset[str]] = {
    Case.Event: frozenset({"timestamp"}),
    Case.IncidentReported: frozenset({"actor", "unit", "employee_ref", "employee_name", "occurred_on", "rules",
                                      "channel"}),
    Case.HearingOpened: frozenset({"sent_on", "deadline"}),
    Case.StatementRecorded: frozenset({"received_on"}),
    Case.WarningIssued: frozenset({"issued_on", "valid_until"}),
    Case.Closed: frozenset({"outcome"}),
}


class OutOfOrderEvent(Exception):
    """An event that does not follow the row's version: a gap in what was projected."""


def evolve(row: CaseRow | None, event: Any) -> CaseRow | None:
    """The row after ``event``; ``None`` rows start at ``IncidentReported``.

    Events at or below the row's version were applied already and change nothing, which
    makes replaying the log over existing rows harmless.
    """
    if isinstance(event, Case.IncidentReported):
        if row is not None:
            return row
        return CaseRow(
            id=str(event.originator_id),
            version=event.originator_version,
            unit=event.unit,
            status=Status.REPORTED.value,
            status_before_closure=None,
            outcome=None,
            employee_ref=event.employee_ref,
            employee_name=event.employee_name,
            occurred_on=event.occurred_on,
            rules=tuple(event.rules),
            channel=event.channel,
            reported_at=event.timestamp,
            reported_by=event.actor.id,
            last_activity_at=event.timestamp,
            hearing_sent_on=None,
            hearing_deadline=None,
            statement_after_hearing=False,
            personal_data_erased=False,
            latest_answer_on=None,
            warnings_valid_until=(),
            last_warning_valid_until=None,
            closed_on=None,
            heard=False,
        )
    if row is None:
        raise OutOfOrderEvent(f"{type(event).__name__} for case {event.originator_id} before its report")
    if event.originator_version <= row.version:
        return row
    if event.originator_version != row.version + 1:
        raise OutOfOrderEvent(
            f"case {row.id}: event version {event.originator_version} after row version {row.version}"
        )
    changes: dict[str, Any] = {"version": event.originator_version, "last_activity_at": event.timestamp}
    changes.update(_changes(row, event))
    return _replaced(row, changes)


def _replaced(row: CaseRow, changes: dict[str, Any]) -> CaseRow:
    # dataclasses.replace calls __init__ with every field: a fifth of a rebuild's fold. A row
    # has no __post_init__, so copying its fields and setting the changed ones is the same row.
    new: CaseRow = object.__new__(CaseRow)
    new.__dict__.update(row.__dict__)
    new.__dict__.update(changes)
    return new


#: The lifecycle step each event records; the status it leads to comes from the lifecycle table.
_STEP_OF_EVENT: dict[type, Step] = {
    Case.Assessed: Step.ASSESSMENT,
    Case.TalkHeld: Step.TALK,
    Case.WarningIssued: Step.WARNING,
    Case.Escalated: Step.ESCALATION,
    Case.Closed: Step.CLOSURE,
    Case.Reopened: Step.REOPENING,
}


def _changes(row: CaseRow, event: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    step = _STEP_OF_EVENT.get(type(event))
    if step is not None:
        before_closure = Status(row.status_before_closure or Status.REPORTED.value)
        changes["status"] = status_after(step, Status(row.status), before_closure).value
    if isinstance(event, Case.HearingOpened):
        # Answered: a statement or warning dated on or after the day sent, whenever recorded.
        changes.update(hearing_sent_on=event.sent_on, hearing_deadline=event.deadline, heard=True,
                       statement_after_hearing=_answered(row.latest_answer_on, event.sent_on))
    elif isinstance(event, Case.StatementRecorded | Case.WarningIssued):
        day = event.received_on if isinstance(event, Case.StatementRecorded) else event.issued_on
        latest = day if row.latest_answer_on is None else max(row.latest_answer_on, day)
        changes.update(latest_answer_on=latest, statement_after_hearing=_answered(latest, row.hearing_sent_on))
        if isinstance(event, Case.StatementRecorded):
            changes["heard"] = True
        elif event.valid_until is not None:
            changes.update(warnings_valid_until=(*row.warnings_valid_until, event.valid_until),
                           last_warning_valid_until=max(row.last_warning_valid_until or event.valid_until,
                                                        event.valid_until))
    elif isinstance(event, Case.Closed):
        changes.update(status_before_closure=row.status, outcome=event.outcome,
                       closed_on=local_date(event.timestamp))
    elif isinstance(event, Case.Reopened):
        changes.update(status_before_closure=None, outcome=None, closed_on=None)
    elif isinstance(event, Case.PersonalDataErased):
        changes.update(employee_ref=None, employee_name=None, personal_data_erased=True)
    return changes  # NoteAdded and any later event type: activity only


def _answered(latest_answer_on: date | None, hearing_sent_on: date | None) -> bool:
    return latest_answer_on is not None and hearing_sent_on is not None and latest_answer_on >= hearing_sent_on


#: The row's fields the deadlines read (``deadline_facts``'s arguments).
DEADLINE_FIELDS = (
    "id", "unit", "status", "last_activity_at", "hearing_sent_on", "hearing_deadline", "statement_after_hearing",
    "warnings_valid_until", "closed_on", "outcome", "personal_data_erased", "heard",
)


def deadline_facts(
    *, id: str, unit: str, status: str, last_activity_at: datetime, hearing_sent_on: date | None,
    hearing_deadline: date | None, statement_after_hearing: bool, warnings_valid_until: tuple[date, ...],
    closed_on: date | None, outcome: str | None, personal_data_erased: bool, heard: bool,
) -> CaseFacts:
    """``CaseFacts`` from a row's columns: the same facts ``case_facts`` reads from the aggregate."""
    hearing = None
    if hearing_sent_on is not None and hearing_deadline is not None:
        hearing = HearingFacts(hearing_sent_on, hearing_deadline, statement_after_hearing)
    return CaseFacts(
        case_id=id, unit=unit, status=Status(status), last_activity_on=local_date(last_activity_at),
        hearing=hearing, warnings_valid_until=tuple(warnings_valid_until), closed_on=closed_on,
        outcome=None if outcome is None else Outcome(outcome), personal_data_erased=personal_data_erased,
        heard=heard,
    )


@dataclass(frozen=True)
class DueFilter:
    """The rows that may have a deadline today: the derivation's conditions, loosened to what a query tests.

    Only narrows: ``derive`` decides. A row is in when it is not erased, in ``units`` (None:
    all), and any of: a warning valid until today or later; open and its idle days run
    (``idle_since``: per open status, every one, last active before that moment); open with its
    latest hearing unanswered; closed on or before ``retention_closed_by[outcome]`` (None:
    retention not asked for).
    """

    units: frozenset[str] | None
    today: date
    idle_since: Mapping[str, datetime]
    retention_closed_by: Mapping[str, date] | None

    def admits(self, row: CaseRow) -> bool:
        """The same condition in Python (the in-memory store; tests hold the SQL to it)."""
        if row.personal_data_erased or (self.units is not None and row.unit not in self.units):
            return False
        if row.last_warning_valid_until is not None and row.last_warning_valid_until >= self.today:
            return True
        if row.status in self.idle_since:
            idle = row.last_activity_at < self.idle_since[row.status]
            return idle or (row.hearing_sent_on is not None and not row.statement_after_hearing)
        if self.retention_closed_by is None or row.outcome is None or row.closed_on is None:
            return False
        closed_by = self.retention_closed_by.get(row.outcome)
        return closed_by is not None and row.closed_on <= closed_by


@dataclass(frozen=True)
class Listing:
    """What the list says of one case before a step loads it, read in one query.

    ``unit`` and ``version`` are None for a case not listed. ``keys_checked``: the same query
    also told the key ring whether any case key was destroyed since its last look.
    """

    unit: str | None
    version: int | None
    keys_checked: bool


class CaseLookUp(Protocol):
    """A case list store that can answer ``look_up`` (the SQL one; the in-memory one need not)."""

    def look_up(self, case_id: str) -> Listing:
        """The case's unit and version in the list, and the key ring refreshed, in one query."""
        ...


@dataclass(frozen=True)
class CaseListFilter:
    """What a list request asks for, already narrowed to what the user may see."""

    units: frozenset[str] | None  # None: every unit (HR)
    unit: str | None = None
    status: str | None = None
    rule: str | None = None
    overdue: bool | None = None


class CaseListStore(Protocol):
    """Where case rows live; implemented by an adapter."""

    def transaction(self) -> AbstractContextManager[Any]:
        """The transaction that events and rows are written in together."""
        ...

    def rows(self, case_ids: Sequence[str]) -> dict[str, CaseRow]:
        """The stored rows of these cases (missing ones absent)."""
        ...

    def unit_of(self, case_id: str) -> str | None:
        """The unit of a listed case (None: not listed); one look-up by primary key."""
        ...

    def save_rows(
        self, rows: Sequence[CaseRow], position: int | None, *, new_rules: Sequence[str] | None = None
    ) -> None:
        """Store rows (never over a newer version), and the position they are complete up to.

        ``new_rules``: the cases whose rules to write (their first row here; rules never change
        after the report, so stored ones are kept); None: every row's, replacing stored ones.
        """
        ...

    def position(self, name: str) -> int | None:
        """The last notification id folded into the rows, if any."""
        ...

    def reset(self, name: str) -> None:
        """Delete every row and the position, for a rebuild."""
        ...

    def page(
        self, query: CaseListFilter, *, today: date, offset: int, limit: int, count_limit: int | None = None
    ) -> tuple[list[CaseRow], int]:
        """One page of rows, newest activity first, and the number of rows matching (counted up
        to ``count_limit`` rows when given)."""
        ...

    def due_facts(self, due: DueFilter) -> list[CaseFacts]:
        """The deadline facts of the rows ``due`` admits, in one query; no case is loaded."""
        ...

