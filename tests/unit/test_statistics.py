"""Disclosure control: no count below k, in one response or by combining any responses."""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter
from fractions import Fraction

import pytest

from domain.periods import parse_month
from domain.rules import rule_codes
from domain.values import Channel, Outcome, Status
from service.statistics import DIMENSIONS, Statistics, StatisticsRequest, answer
from service.statistics_partition import Atom, partition
from service.statistics_release import Domains, ReleasedTable

K = 5
UNITS = ("dagtilbud-nord", "skoler", "tandplejen")
DOMAINS = Domains(
    rules=rule_codes(),
    statuses=tuple(s.value for s in Status),
    outcomes=(None, *(o.value for o in Outcome)),
    channels=tuple(c.value for c in Channel),
)
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]


def random_cases(seed: int, n: int) -> list[Atom]:
    """One atom per case: the attacker's unknowns are the cases themselves."""
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        status = rng.choice(["reported", "assessed", "closed", "closed"])
        cases.append(Atom(
            unit=rng.choices(UNITS, weights=[1, 3, 6])[0],
            month=rng.choice(MONTHS),
            rules=tuple(sorted(rng.sample(["4.1", "4.3", "6.1", "6.2"], rng.choice([1, 1, 2])))),
            channel=rng.choice(["snapchat", "facebook", "sms"]),
            status=status,
            outcome=rng.choice(["resolved", "dismissed"]) if status == "closed" else None,
            count=1,
        ))
    return cases


def aggregate(cases: list[Atom]) -> list[Atom]:
    counter: Counter[Atom] = Counter()
    for case in cases:
        counter[dataclasses.replace(case, count=0)] += case.count
    return [dataclasses.replace(atom, count=n) for atom, n in counter.items()]


def released(cases: list[Atom]) -> list[ReleasedTable]:
    """Each month released on its own, as the service does: withheld cases kept nowhere."""
    tables = []
    for month in sorted({case.month for case in cases}):
        blocks = partition(aggregate([case for case in cases if case.month == month]), K)
        first = parse_month(month)
        assert first is not None
        tables.append(ReleasedTable(month, first, K, tuple(b for b in blocks if not b.withheld), DOMAINS))
    return tables


def request(group_by: tuple[str, ...], first: str | None, last: str | None) -> StatisticsRequest:
    return StatisticsRequest(group_by, parse_month(first), parse_month(last))


def _same(case: Atom, atom: Atom) -> bool:
    return dataclasses.replace(case, count=0) == dataclasses.replace(atom, count=0)


def requests():
    groupings = [(), *((d,) for d in DIMENSIONS), *itertools.combinations(DIMENSIONS, 2)]
    ranges = [(None, None), *list(itertools.combinations_with_replacement(MONTHS, 2))[::3]]
    for group_by in groupings:
        for from_month, to_month in ranges:
            yield request(group_by, from_month, to_month)


def members(cases, query, values, counted=None):
    """Indices of the released cases a cell counts (the truth the service must protect)."""
    found = []
    for i, case in enumerate(cases):
        if counted is not None and i not in counted:
            continue
        month = parse_month(case.month)
        if query.first and month < query.first:
            continue
        if query.last and month > query.last:
            continue
        if all((value in case.rules) if dim == "rule" else getattr(case, dim) == value
               for dim, value in values.items()):
            found.append(i)
    return found


class Span:
    """Row space over the rationals, to ask whether a count follows from published ones."""

    def __init__(self, width: int):
        self.width = width
        self.pivots: dict[int, list[Fraction]] = {}

    def _reduce(self, vector: list[Fraction]) -> list[Fraction]:
        vector = list(vector)
        for column, row in self.pivots.items():
            if vector[column]:
                factor = vector[column]
                vector = [v - factor * r for v, r in zip(vector, row, strict=True)]
        return vector

    def add(self, indices: list[int]) -> None:
        vector = self._reduce(self._vector(indices))
        column = next((i for i, v in enumerate(vector) if v), None)
        if column is None:
            return
        vector = [v / vector[column] for v in vector]
        for other, row in self.pivots.items():
            if row[column]:
                factor = row[column]
                self.pivots[other] = [r - factor * v for r, v in zip(row, vector, strict=True)]
        self.pivots[column] = vector

    def contains(self, indices: list[int]) -> bool:
        return not any(self._reduce(self._vector(indices)))

    def _vector(self, indices: list[int]) -> list[Fraction]:
        vector = [Fraction(0)] * self.width
        for i in indices:
            vector[i] = Fraction(1)
        return vector


@pytest.mark.parametrize("seed,n", [(1, 25), (2, 60), (3, 120), (4, 200)])
def test_no_combination_of_published_counts_reveals_a_suppressed_or_small_count(seed, n):
    cases = random_cases(seed, n)
    tables = released(cases)
    case_blocks = [
        [i for i, case in enumerate(cases) if case.month == table.period
         and any(_same(case, atom) for atom in block.atoms)]
        for table in tables for block in table.blocks
    ]
    counted = {i for block in case_blocks for i in block}
    assert all(len(block) >= K for block in case_blocks)
    published = Span(len(cases))
    suppressed_cells = []
    for query in requests():
        result = answer(tables, query, K)
        total = members(cases, query, {}, counted)
        assert result.total == len(total) and (not total or len(total) >= K)
        published.add(total)
        for row in result.rows:
            truth = members(cases, query, row.values, counted)
            assert row.count_min <= len(truth) <= row.count_max
            # Bounds are sums of whole blocks: never a count from 1 to k-1.
            assert row.count_min == 0 or row.count_min >= K
            assert row.count_max == 0 or row.count_max >= K
            if row.suppressed:
                assert row.count is None
                suppressed_cells.append((query, row.values, truth))
                inside = [i for block in case_blocks if set(block) <= set(truth) for i in block]
                assert row.count_min == len(inside)
                published.add(inside)
            else:
                assert row.count == len(truth) >= K, (query, row)
                published.add(truth)
    # Any count the published numbers determine is a count the service would publish itself.
    leaks = [(r, v, len(t)) for r, v, t in suppressed_cells if t and published.contains(t)]
    small = [leak for leak in leaks if leak[2] < K]
    assert small == []
    assert any(row for row in suppressed_cells)  # the data really had something to protect
    # Each single case stays hidden in the crowd; a withheld case is in no number at all.
    for i in range(0, len(cases), 7):
        assert not published.contains([i])


def test_a_range_one_month_shorter_does_not_reveal_that_month():
    cases = [Atom("skoler", "2026-01", ("4.1",), "sms", "reported", None, 9),
             Atom("skoler", "2026-02", ("4.1",), "sms", "reported", None, 2)]
    tables = released(cases)
    both = answer(tables, request(("unit",), "2026-01", "2026-02"), K)
    first = answer(tables, request(("unit",), "2026-01", "2026-01"), K)
    second = answer(tables, request(("unit",), "2026-02", "2026-02"), K)
    assert both.rows == first.rows and both.total == first.total == 9, "February's two must not show"
    # February's two cases are withheld: the month looks exactly like a month without cases.
    assert second.rows == [] and second.total == 0


def test_a_finer_grouping_does_not_reveal_what_the_coarser_one_publishes():
    cases = [Atom("tandplejen", "2026-03", ("6.1",), "snapchat", "reported", None, 8),
             Atom("tandplejen", "2026-03", ("6.1",), "sms", "reported", None, 2)]
    tables = released(cases)
    coarse = answer(tables, request(("unit",), None, None), K)
    fine = answer(tables, request(("unit", "channel"), None, None), K)
    assert coarse.rows[0].count == 10
    by_channel = {r.values["channel"]: r for r in fine.rows}
    assert by_channel["sms"].suppressed and by_channel["snapchat"].suppressed


def test_suppressed_rows_do_not_tell_which_cells_hold_a_case():
    # Five cases, five channels: listing just those five would say "one each".
    cases = [Atom("skoler", "2026-04", ("4.2",), channel, "reported", None, 1)
             for channel in ("snapchat", "facebook", "instagram", "messenger", "sms")]
    tables = released(cases)
    fine = answer(tables, request(("unit", "channel"), None, None), K)
    coarse = answer(tables, request(("unit",), None, None), K)
    assert coarse.rows[0].count == 5
    assert all(r.suppressed for r in fine.rows)
    assert len(fine.rows) > 5  # an empty channel is listed alongside, indistinguishably


def test_a_unit_with_fewer_than_k_cases_shapes_no_answer():
    cases = [Atom("skoler", "2026-05", ("4.1",), "sms", "reported", None, 12),
             Atom("tandplejen", "2026-05", ("4.1",), "sms", "reported", None, 3)]
    alone = [cases[0]]
    for group_by in [(), *((d,) for d in DIMENSIONS), ("unit", "status", "outcome")]:
        query = request(group_by, None, None)
        with_them, without = answer(released(cases), query, K), answer(released(alone), query, K)
        assert with_them == without
        assert "tandplejen" not in repr(with_them)


def test_k_below_three_is_refused():
    with pytest.raises(ValueError):
        Statistics(store=None, k=2)  # type: ignore[arg-type]
