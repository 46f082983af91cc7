"""What of a case is personal data, and how a case's state forgets it on erasure.

Erasure keeps the facts of the trail (dates, outcomes, who acted) and drops the employee
and every free text, in stored events (by destroying their key) and in state alike.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.case import Case

#: Event attributes that hold personal data: the employee, and every free text.
PERSONAL_DATA_FIELDS = frozenset(
    {"employee_ref", "employee_name", "description", "notes", "summary", "participants", "text", "reason",
     "unacknowledged_policy_reason"}
)


def erase_from_state(case: Case) -> None:
    """Forget the employee and every free text; keep dates, outcomes and actors."""
    case.employee = None
    case.description = None
    if case.assessment is not None:
        case.assessment = dataclasses.replace(case.assessment, notes=None)
    case.statements = [dataclasses.replace(s, summary=None) for s in case.statements]
    case.talks = [dataclasses.replace(t, participants=[], summary=None) for t in case.talks]
    case.warnings = [dataclasses.replace(w, text=None, unacknowledged_policy_reason=None) for w in case.warnings]
    case.notes = [dataclasses.replace(n, text=None) for n in case.notes]
    if case.escalation is not None:
        case.escalation = dataclasses.replace(case.escalation, reason=None)
    if case.closure is not None:
        case.closure = dataclasses.replace(case.closure, reason=None)
    case.reopenings = [dataclasses.replace(r, reason=None) for r in case.reopenings]
