"""A case as JSON, written out by hand: what ``CaseSchema`` would dump, without its per-field cost.

Marshmallow looks up, checks and converts every field of every nested object one call at a
time; for a case with 1,000 notes that was three quarters of ``GET /cases/<id>``. A case's
shape is fixed and its values already have their types (``service.views.case_view``), so the
same answer is a few dict literals. ``CaseSchema`` stays the contract and the OpenAPI
document's description; its ``dump`` hands a ``CaseView`` to :func:`case_json`, and
``tests/unit/test_case_json.py`` holds both to the same output for cases at every step,
erased ones and non-ASCII text included.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from service.views import CaseView

_date = date.isoformat
_moment = datetime.isoformat


def _day(value: date | None) -> str | None:
    return None if value is None else _date(value)


def _hearing(h: dict[str, Any]) -> dict[str, Any]:
    return {"sent_on": _date(h["sent_on"]), "deadline": _date(h["deadline"]),
            "deadline_passed": h["deadline_passed"], "opened_at": _moment(h["opened_at"]),
            "opened_by": h["opened_by"]}


def _assessment(a: dict[str, Any] | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"work_environment_issue": a["work_environment_issue"], "severity": a["severity"], "notes": a["notes"],
            "assessed_at": _moment(a["assessed_at"]), "assessed_by": a["assessed_by"]}


def _escalation(e: dict[str, Any] | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"reason": e["reason"], "escalated_at": _moment(e["escalated_at"]), "escalated_by": e["escalated_by"]}


def _closure(c: dict[str, Any] | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"outcome": c["outcome"], "reason": c["reason"], "closed_at": _moment(c["closed_at"]),
            "closed_by": c["closed_by"]}


def _erasure(e: dict[str, Any] | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"erased_at": _moment(e["erased_at"]), "erased_by": e["erased_by"]}


def case_json(case: CaseView) -> dict[str, Any]:
    """``CaseSchema().dump(case)``, field for field."""
    employee = case.employee
    policy = case.policy
    return {
        "id": case.id,
        "version": case.version,
        "unit": case.unit,
        "status": case.status,
        "employee": None if employee is None else {"ref": employee["ref"], "name": employee["name"]},
        "occurred_on": _date(case.occurred_on),
        "rules": list(case.rules),
        "channel": case.channel,
        "description": case.description,
        "reported_at": _moment(case.reported_at),
        "reported_by": case.reported_by,
        "last_activity_at": _moment(case.last_activity_at),
        "assessment": _assessment(case.assessment),
        "hearing": None if case.hearing is None else _hearing(case.hearing),
        "hearings": [_hearing(h) for h in case.hearings],
        "employee_heard": case.employee_heard,
        "statements": [
            {"received_on": _date(s["received_on"]), "summary": s["summary"],
             "recorded_at": _moment(s["recorded_at"]), "recorded_by": s["recorded_by"]}
            for s in case.statements
        ],
        "talks": [
            {"held_on": _date(t["held_on"]), "participants": list(t["participants"]),
             "union_rep_present": t["union_rep_present"], "summary": t["summary"],
             "recorded_at": _moment(t["recorded_at"]), "recorded_by": t["recorded_by"]}
            for t in case.talks
        ],
        "warnings": [
            {"issued_on": _date(w["issued_on"]), "text": w["text"], "valid_until": _day(w["valid_until"]),
             "recorded_at": _moment(w["recorded_at"]), "recorded_by": w["recorded_by"]}
            for w in case.warnings
        ],
        "notes": [
            {"text": n["text"], "added_at": _moment(n["added_at"]), "added_by": n["added_by"]}
            for n in case.notes
        ],
        "escalation": _escalation(case.escalation),
        "closure": _closure(case.closure),
        "reopenings": [
            {"reason": r["reason"], "reopened_at": _moment(r["reopened_at"]), "reopened_by": r["reopened_by"]}
            for r in case.reopenings
        ],
        "personal_data_erased": case.personal_data_erased,
        "erasure": _erasure(case.erasure),
        "allowed_steps": list(case.allowed_steps),
        "policy": {"id": policy["id"], "version": policy["version"], "adaptation": policy["adaptation"]},
        "rule_texts": [
            {"code": t["code"], "title_da": t["title_da"], "title_en": t["title_en"],
             "text_da": t["text_da"], "text_en": t["text_en"]}
            for t in case.rule_texts
        ],
    }
