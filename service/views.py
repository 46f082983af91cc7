"""Plain data the service hands to its callers: a case and its history, no aggregates.

Values are primitives (str, bool, int, date, datetime, lists, dicts) so an adapter can
serialise them without knowing the domain's types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.case import PERSONAL_DATA_FIELDS, Case
from domain.records import Hearing

_ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "actor", "originator_topic"}
)


@dataclass(frozen=True)
class CaseView:
    id: str
    version: int
    unit: str
    status: str
    employee: dict[str, Any] | None
    occurred_on: date
    rules: list[str]
    channel: str
    description: str | None
    reported_at: datetime
    reported_by: str
    last_activity_at: datetime
    assessment: dict[str, Any] | None
    hearing: dict[str, Any] | None
    hearings: list[dict[str, Any]]
    employee_heard: bool
    statements: list[dict[str, Any]]
    talks: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    escalation: dict[str, Any] | None
    closure: dict[str, Any] | None
    reopenings: list[dict[str, Any]]
    personal_data_erased: bool
    erasure: dict[str, Any] | None
    allowed_steps: list[str]
    #: The policy text the case cites: ``{"id", "version", "adaptation"}`` (adaptation: the unit's, or None).
    policy: dict[str, Any]
    #: Each cited rule's words as they stood in that text: code, title_da, title_en, text_da, text_en.
    rule_texts: list[dict[str, str]]


@dataclass(frozen=True)
class HistoryEntry:
    """One event of a case's audit trail."""

    version: int
    type: str
    recorded_at: datetime
    actor: dict[str, str]
    data: dict[str, Any]


def case_view(case: Case, today: date, *, notes: bool = True) -> CaseView:
    """The case as callers see it; without its ``notes`` when a caller shows them otherwise."""

    def hearing(h: Hearing) -> dict[str, Any]:
        return {
            "sent_on": h.sent_on,
            "deadline": h.deadline,
            "deadline_passed": h.deadline < today,
            "opened_at": h.opened_at,
            "opened_by": h.opened_by.id,
        }

    a = case.assessment
    return CaseView(
        id=str(case.id),
        version=case.version,
        unit=case.unit,
        status=case.status.value,
        employee=None if case.employee is None else {"ref": case.employee.ref, "name": case.employee.name},
        occurred_on=case.occurred_on,
        rules=list(case.rules),
        channel=case.channel.value,
        description=case.description,
        reported_at=case.created_on,
        reported_by=case.reported_by.id,
        last_activity_at=case.modified_on,
        assessment=None
        if a is None
        else {
            "work_environment_issue": a.work_environment_issue,
            "severity": a.severity.value,
            "notes": a.notes,
            "assessed_at": a.assessed_at,
            "assessed_by": a.assessed_by.id,
        },
        hearing=hearing(case.hearings[-1]) if case.hearings else None,
        hearings=[hearing(h) for h in case.hearings],
        employee_heard=case.employee_heard_by(today),
        statements=[
            {"received_on": s.received_on, "summary": s.summary, "recorded_at": s.recorded_at,
             "recorded_by": s.recorded_by.id}
            for s in case.statements
        ],
        talks=[
            {"held_on": t.held_on, "participants": list(t.participants),
             "union_rep_present": t.union_rep_present, "summary": t.summary,
             "recorded_at": t.recorded_at, "recorded_by": t.recorded_by.id}
            for t in case.talks
        ],
        warnings=[
            {"issued_on": w.issued_on, "text": w.text, "valid_until": w.valid_until,
             "recorded_at": w.recorded_at, "recorded_by": w.recorded_by.id}
            for w in case.warnings
        ],
        notes=[{"text": n.text, "added_at": n.added_at, "added_by": n.added_by.id} for n in case.notes]
        if notes else [],
        escalation=None
        if case.escalation is None
        else {"reason": case.escalation.reason, "escalated_at": case.escalation.escalated_at,
              "escalated_by": case.escalation.escalated_by.id},
        closure=None
        if case.closure is None
        else {"outcome": case.closure.outcome.value, "reason": case.closure.reason,
              "closed_at": case.closure.closed_at, "closed_by": case.closure.closed_by.id},
        reopenings=[
            {"reason": r.reason, "reopened_at": r.reopened_at, "reopened_by": r.reopened_by.id}
            for r in case.reopenings
        ],
        personal_data_erased=case.personal_data_erased,
        erasure=None
        if case.erasure is None
        else {"erased_at": case.erasure.erased_at, "erased_by": case.erasure.erased_by.id},
        allowed_steps=[step.value for step in case.allowed_steps()],
        policy={"id": case.policy_id, "version": case.policy_version, "adaptation": case.policy_adaptation},
        rule_texts=[dict(text) for text in case.rule_texts],
    )


def history_entry(event: Any, *, erased: bool) -> HistoryEntry:
    """One stored event as an audit-trail entry; personal data withheld once erased."""
    data = {
        key: value
        for key, value in vars(event).items()
        if key not in _ENVELOPE_FIELDS
    }
    if erased:
        data = {key: (None if key in PERSONAL_DATA_FIELDS else value) for key, value in data.items()}
    return HistoryEntry(
        version=event.originator_version,
        type=type(event).__name__,
        recorded_at=event.timestamp,
        actor={"id": event.actor.id, "role": event.actor.role.value},
        data=data,
    )


@dataclass(frozen=True)
class CaseSummary:
    """One row of the case list (read model), without free texts."""

    id: str
    version: int
    unit: str
    status: str
    employee: dict[str, Any] | None
    occurred_on: date
    rules: list[str]
    channel: str
    reported_at: datetime
    reported_by: str
    last_activity_at: datetime
    hearing_deadline: date | None
    overdue: bool
    personal_data_erased: bool


@dataclass(frozen=True)
class CasePage:
    items: list[CaseSummary]
    page: int
    per_page: int
    total: int
    #: False when the count stopped at ``total`` (``list_cases(count_at_most=…)``): more match.
    total_exact: bool = True
