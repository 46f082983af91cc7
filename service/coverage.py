"""Coverage (dækning): how many of a unit's current employees acknowledged the version in force.

Managers and HR see who has and who has not. Everyone else sees an anonymised figure: a
"missing" count below k is never given exactly, and neither is a percentage from which, with
the unit's size known, it could be worked out. Below k the answer is a range: missing
"under k", coverage "at least" the share that k-1 missing would leave, floored to a whole
percent — the same answer whether 0 or k-1 employees are missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from domain.staff import PolicyVersionRef
from service.staff_directory import AcknowledgementRow, StaffRow

#: A new starter is one who started within this many days; older staff are awaiting a review.
NEW_STARTER_DAYS = 365


@dataclass(frozen=True)
class CoveredEmployee:
    employee_ref: str | None
    name: str | None
    acknowledged_on: date
    method: str


@dataclass(frozen=True)
class MissingEmployee:
    employee_ref: str | None
    name: str | None
    employed_since: date  # missing since they started, or since the version came into force
    new_starter: bool
    introduction_due_on: date | None  # for new starters: start date + the grace period
    introduction_overdue: bool
    member_id: str = ""  # the staff list's opaque id: no personal data


@dataclass(frozen=True)
class UnitCoverage:
    """A unit's coverage of the version in force, by name (managers of the unit, HR)."""

    unit: str
    on: date
    policy: PolicyVersionRef | None
    employees: int
    acknowledged: int
    covered: list[CoveredEmployee]
    missing: list[MissingEmployee]

    @property
    def missing_count(self) -> int:
        return self.employees - self.acknowledged

    @property
    def introductions_overdue(self) -> list[MissingEmployee]:
        return [m for m in self.missing if m.introduction_overdue]


@dataclass(frozen=True)
class AnonymisedCoverage:
    """A unit's coverage as everyone may see it: no count below k, no percentage that gives one."""

    unit: str
    policy: PolicyVersionRef | None
    employees: int
    missing: int | None  # None: under k
    missing_under_k: bool
    coverage_percent_min: int
    coverage_percent_max: int


def unit_coverage(
    unit: str,
    members: Sequence[StaffRow],
    acknowledgements: Sequence[AcknowledgementRow],
    policy: PolicyVersionRef | None,
    *,
    on: date,
    grace_days: int,
) -> UnitCoverage:
    """Coverage of ``policy`` among the members employed on ``on``, from their acknowledgements."""
    current = [m for m in members if m.employed_on(on)]
    first: dict[str, AcknowledgementRow] = {}
    for ack in acknowledgements:
        if policy is not None and ack.policy == policy and ack.acknowledged_on <= on:
            known = first.get(ack.member_id)
            if known is None or ack.acknowledged_on < known.acknowledged_on:
                first[ack.member_id] = ack
    anything = {ack.member_id for ack in acknowledgements if ack.acknowledged_on <= on}
    covered: list[CoveredEmployee] = []
    missing: list[MissingEmployee] = []
    for member in current:
        found = first.get(member.member_id)
        if found is not None:
            covered.append(CoveredEmployee(member.employee_ref, member.name, found.acknowledged_on, found.method))
            continue
        new = member.start_date > on - timedelta(days=NEW_STARTER_DAYS) and member.member_id not in anything
        due = member.start_date + timedelta(days=grace_days) if new else None
        missing.append(MissingEmployee(member.employee_ref, member.name, member.start_date, new, due,
                                       due is not None and due < on, member.member_id))
    return UnitCoverage(unit, on, policy, len(current), len(covered), covered, missing)


def anonymise(coverage: UnitCoverage, k: int) -> AnonymisedCoverage:
    """The coverage everyone may see (see the module's docstring)."""
    n, missing = coverage.employees, coverage.missing_count
    if n == 0:
        return AnonymisedCoverage(coverage.unit, coverage.policy, 0, 0, False, 0, 0)
    if missing >= k:
        percent = math.floor(100 * (n - missing) / n)
        return AnonymisedCoverage(coverage.unit, coverage.policy, n, missing, False, percent, percent)
    # Whatever the true count below k, the answer is the same: at least what k-1 missing leaves.
    lowest = max(0, math.floor(100 * (n - (k - 1)) / n))
    return AnonymisedCoverage(coverage.unit, coverage.policy, n, None, True, lowest, 100)
