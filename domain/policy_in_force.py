"""Which text is in force for a unit on a date: the one rule every case's citation follows.

Among the versions in force on the date of every policy that covers the unit (the area's, or the
unit's own) the one that came into force last wins; on the same date a unit's own policy wins over
the area's. If the winning version has an adaptation for the unit in force on that date, the
latest such adaptation is what the unit's employees were shown, so it is what a case cites. An
adaptation belongs to the version it adapts: when a new common version comes into force, the unit
follows it until its LMU adapts that one too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.policy_text import PolicyItem, PolicyText, load_default_policy, rules

if TYPE_CHECKING:
    from domain.policy import Policy

#: The default policy is in force from the earliest date a case may have.
DEFAULT_IN_FORCE_FROM = date(1900, 1, 1)


@dataclass(frozen=True)
class Citation:
    """The text a case in ``unit`` on a date cites: a policy's version, or a unit's adaptation of it."""

    policy_id: str
    version: int
    adaptation: int | None
    unit: str | None
    in_force_from: date
    text: PolicyText

    def rules(self) -> tuple[PolicyItem, ...]:
        return rules(self.text)

    def rule(self, code: str) -> PolicyItem | None:
        return next((item for item in self.rules() if item.code == code), None)

    def codes(self) -> frozenset[str]:
        return frozenset(item.code for item in self.rules())


def default_citation() -> Citation:
    """The shipped draft as version 1 of its policy: what cases recorded before policies were kept cite."""
    text = load_default_policy()
    return Citation(text.key, 1, None, None, DEFAULT_IN_FORCE_FROM, text)


def in_force(policies: Iterable[Policy], unit: str | None, on: date) -> Citation | None:
    """The text in force for ``unit`` (``None``: the area as a whole) on ``on``, or ``None``."""
    best: tuple[tuple[date, int, float], Policy, int] | None = None
    for policy in policies:
        if policy.scope_unit is not None and policy.scope_unit != unit:
            continue
        if policy.end is not None and policy.end.on <= on:
            continue
        for record in policy.versions:
            if record.in_force_from is None or record.in_force_from > on:
                continue
            rank = (record.in_force_from, 0 if policy.scope_unit is None else 1, policy.created_on.timestamp())
            if best is None or rank > best[0]:
                best = (rank, policy, record.number)
    if best is None:
        return None
    _, policy, number = best
    record = policy.version_record(number)
    if unit is not None:
        adaptations = [a for a in record.adaptations_for(unit) if a.in_force_from <= on]
        if adaptations:
            chosen = max(adaptations, key=lambda a: (a.in_force_from, a.number))
            return Citation(policy.key, number, chosen.number, unit, chosen.in_force_from, chosen.text)
    assert record.in_force_from is not None
    return Citation(policy.key, number, None, None, record.in_force_from, record.text)


def rule_text(citation: Citation, code: str) -> dict[str, str]:
    """A cited rule's words as they stand in ``citation``'s text."""
    item = citation.rule(code)
    if item is None:
        return {"code": code, "title_da": "", "title_en": "", "text_da": "", "text_en": ""}
    return {"code": code, "title_da": item.title_da, "title_en": item.title_en,
            "text_da": item.text_da, "text_en": item.text_en}


def cite_default_draft(state: dict[str, Any]) -> None:
    """Cases reported before policies were kept cite version 1 of the default draft."""
    citation = default_citation()
    state["policy_id"] = citation.policy_id
    state["policy_version"] = citation.version
    state["policy_adaptation"] = None
    state["rule_texts"] = [rule_text(citation, code) for code in state["rules"]]
