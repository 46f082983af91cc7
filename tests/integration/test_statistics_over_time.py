"""The rep's attack, automated: look, let one case change, look again — over every grouping and range.

Between two looks one case is reported, moves to another status or is closed, and sometimes a
month is released. No published cell below a whole unit may move by 1..k-1, a unit with fewer
than k cases in a month shows nowhere, and a month's answer never tells where hidden cases are.
"""

from __future__ import annotations

import itertools
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.values import Outcome, Severity
from service.statistics import DIMENSIONS
from tests.scenarios import HR, case_id, report
from tests.time_travel import time_machine  # noqa: F401  (fixture)

K = 5
GROUPINGS = [(), *((d,) for d in DIMENSIONS), *itertools.combinations(DIMENSIONS, 2),
             ("unit", "status", "outcome")]
_units = count()

unit_sizes = st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=3)
changes = st.sampled_from(["report", "assess", "close", "release"])


def look(service, months):
    """Every answer a rep can get, by (grouping, range) and cell."""
    seen = {}
    for group_by, (first, last) in itertools.product(GROUPINGS, [(None, None), *months]):
        result = service.statistics(HR, group_by=list(group_by), from_month=first, to_month=last)
        for row in result.rows:
            seen[(group_by, first, last, tuple(sorted(row.values.items(), key=str)))] = row.count
        seen[(group_by, first, last, "total")] = result.total
    return seen


def assert_no_small_difference(before, after):
    for key in before.keys() & after.keys():
        if before[key] is not None and after[key] is not None:
            moved = abs(after[key] - before[key])
            assert moved == 0 or moved >= K, (key, before[key], after[key])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=unit_sizes, first_change=changes, second_change=changes)
def test_one_change_between_two_looks_moves_no_cell_by_less_than_k(
    make_service, time_machine, sizes, first_change, second_change  # noqa: F811
):
    service = make_service(clock=time_machine)
    units = [f"enhed-{next(_units)}" for _ in sizes]
    cases = [case_id(report(service, HR, unit=unit, rules=["4.1"] if n % 2 else ["4.3", "6.1"]))
             for unit, size in zip(units, sizes, strict=True) for n in range(size)]
    month = time_machine.next_month(day=3)
    service.release_statistics(HR)
    months = [(month, month), (time_machine.local_month(), time_machine.local_month())]
    looks = [look(service, months)]
    closed: set[object] = set()
    for change in (first_change, second_change):
        open_cases = [c for c in cases if c not in closed]
        if change == "report" or not open_cases:
            cases.append(case_id(report(service, HR, unit=units[0], rules=["4.1"])))
        elif change == "assess":
            service.assess(HR, open_cases[0], work_environment_issue=True, severity=Severity.LOW)
        elif change == "close":
            service.close_case(HR, open_cases[-1], outcome=Outcome.DISMISSED, reason="No breach.")
            closed.add(open_cases[-1])
        else:
            time_machine.next_month(day=3)
            service.release_statistics(HR)
        looks.append(look(service, months))
    for earlier, later in itertools.pairwise(looks):
        assert_no_small_difference(earlier, later)
    assert_no_small_difference(looks[0], looks[-1])
    # A unit with fewer than k cases in the released month shows nowhere, not even suppressed.
    hidden = [unit for unit, size in zip(units, sizes, strict=True) if size < K]
    for seen in looks:
        assert not [key for key in seen if any(unit in repr(key) for unit in hidden)]


def test_a_month_of_lone_cases_looks_like_an_empty_month(make_service, time_machine):  # noqa: F811
    service = make_service(clock=time_machine)
    for unit in ("alene-a", "alene-b"):
        for _ in range(K - 1):
            report(service, HR, unit=unit)
    busy = time_machine.next_month(day=3)
    quiet = time_machine.next_month(day=3)
    service.release_statistics(HR)
    for group_by in GROUPINGS:
        answers = [service.statistics(HR, group_by=list(group_by), from_month=m, to_month=m) for m in (busy, quiet)]
        assert answers[0].rows == answers[1].rows == [] and answers[0].total == answers[1].total == 0
