"""Plain data the policy service hands out: a policy, its versions, their text, the rules in force.

Values are primitives (str, int, bool, date, datetime, lists, dicts) so an adapter (the JSON API,
the web pages, a printed consultation letter) can show them without knowing the domain's types.
A consultation says which bodies have not answered and whether its deadline has passed, so a
deadlines overview can be derived from these views alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.policy import Policy
from domain.policy_records import Approval, Consultation, PolicyVersion, UnitAdaptation
from domain.policy_text import PolicyItem, PolicyText


def rule_row(item: PolicyItem) -> dict[str, str]:
    """One citable rule: ``code``, ``section`` and its words in Danish and English."""
    return {"code": item.code, "section": item.section, "title_da": item.title_da, "title_en": item.title_en,
            "text_da": item.text_da, "text_en": item.text_en}


def _approval(approval: Approval | None) -> dict[str, Any] | None:
    if approval is None:
        return None
    return {"body": approval.body, "meeting_on": approval.meeting_on, "reference": approval.reference,
            "recorded_at": approval.recorded_at, "recorded_by": approval.recorded_by.id}


def consultation_view(consultation: Consultation | None, today: date) -> dict[str, Any] | None:
    """A consultation with its responses, the bodies still to answer and whether it is overdue."""
    if consultation is None:
        return None
    return {
        "bodies": list(consultation.bodies),
        "sent_on": consultation.sent_on,
        "deadline": consultation.deadline,
        "deadline_passed": consultation.deadline < today,
        "open": consultation.is_open,
        "closed_on": consultation.closed_on,
        "awaiting": consultation.awaiting(),
        "overdue": consultation.overdue(today),
        "sent_by": consultation.sent_by.id,
        "responses": [
            {"body": r.body, "received_on": r.received_on, "position": r.position.value, "summary": r.summary,
             "recorded_at": r.recorded_at, "recorded_by": r.recorded_by.id}
            for r in consultation.responses
        ],
    }


def _adaptation(adaptation: UnitAdaptation) -> dict[str, Any]:
    return {"unit": adaptation.unit, "number": adaptation.number, "in_force_from": adaptation.in_force_from,
            "approval": _approval(adaptation.approval), "rules": [r.code for r in adaptation.rules()]}


def version_summary(record: PolicyVersion, today: date, in_force_now: int | None) -> dict[str, Any]:
    return {
        "number": record.number,
        "status": record.status.value,
        "in_force_now": in_force_now == record.number,
        "title_da": record.text.title_da,
        "title_en": record.text.title_en,
        "drafted_at": record.drafted_at,
        "drafted_by": record.drafted_by.id,
        "consultation": consultation_view(record.consultation, today),
        "approval": _approval(record.approval),
        "in_force_from": record.in_force_from,
        "installation_default": record.installation_default,
        "adaptations": [_adaptation(a) for a in record.adaptations],
        "rules": [r.code for r in record.rules()],
    }


def _head(policy: Policy, in_force_now: int | None) -> dict[str, Any]:
    end = policy.end
    return {
        "id": policy.key,
        "title_da": policy.versions[-1].text.title_da,
        "title_en": policy.versions[-1].text.title_en,
        "scope": {"unit": policy.scope_unit},
        "based_on": policy.based_on,
        "drafted_at": policy.created_on,
        "drafted_by": policy.drafted_by.id,
        "latest_version": policy.versions[-1].number,
        "version_in_force": in_force_now,
        "ended": None if end is None else {"on": end.on, "reason": end.reason, "superseded_by": end.superseded_by,
                                           "recorded_by": end.recorded_by.id},
    }


def policy_summary(policy: Policy, today: date, in_force_now: int | None) -> dict[str, Any]:
    """A policy for a list: what it is, and each version's number and status."""
    head = _head(policy, in_force_now)
    head["versions"] = [{"number": v.number, "status": v.status.value} for v in policy.versions]
    return head


def policy_detail(policy: Policy, today: date, in_force_now: int | None) -> dict[str, Any]:
    """A policy with every version's consultation, approval, coming into force and adaptations."""
    head = _head(policy, in_force_now)
    head["versions"] = [version_summary(v, today, in_force_now) for v in policy.versions]
    return head


def text_view(text: PolicyText) -> dict[str, Any]:
    """A text by section: paragraphs and items, in Danish and English."""
    return {
        "key": text.key, "title_da": text.title_da, "title_en": text.title_en, "scope": text.scope,
        "source": text.source,
        "sections": [
            {"number": s.number, "title_da": s.title_da, "title_en": s.title_en, "kind": s.kind,
             "paragraphs": [{"text_da": p.text_da, "text_en": p.text_en} for p in s.paragraphs],
             "items": [rule_row(item) for item in s.items]}
            for s in text.sections
        ],
    }


def version_detail(policy: Policy, record: PolicyVersion, unit: str | None) -> dict[str, Any]:
    """A version's full text; with ``unit``, the unit's latest adaptation of it when it has one."""
    adaptations = [] if unit is None else record.adaptations_for(unit)
    chosen = adaptations[-1] if adaptations else None
    return {
        "policy": policy.key,
        "version": record.number,
        "status": record.status.value,
        "adaptation": None if chosen is None else {"unit": chosen.unit, "number": chosen.number},
        "text": text_view(record.text if chosen is None else chosen.text),
    }
