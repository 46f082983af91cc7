"""Cases on the extreme days a client may name (the first and the last allowed day, leap days, the
turn of a year) never break a read: every statistics grouping and every case-list filter answers 200.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.rules import rule_codes
from domain.validation import DEFAULT_EARLIEST_DATE, HORIZON_DAYS
from domain.values import Status, month_key
from service.cases import CaseService
from service.statistics import DIMENSIONS
from tests.e2e.http import NEW_CASE, Api
from tests.scenarios import TODAY

LAST_DAY_AHEAD = TODAY + timedelta(days=HORIZON_DAYS)
EXTREME_DAYS = [day for day in sorted({
    DEFAULT_EARLIEST_DATE, TODAY, TODAY - timedelta(days=1),
    *(date(year, 2, 29) for year in range(2000, TODAY.year + 1, 4)),
    *(day for year in range(2000, TODAY.year + 1) for day in (date(year, 1, 1), date(year, 12, 31))),
}) if DEFAULT_EARLIEST_DATE <= day <= TODAY]
days = st.one_of(st.sampled_from(EXTREME_DAYS), st.dates(DEFAULT_EARLIEST_DATE, TODAY))
GROUPINGS = [[d] for d in DIMENSIONS] + [list(pair) for pair in combinations(DIMENSIONS, 2)] + [list(DIMENSIONS)]
LIST_FILTERS = [
    "", "?overdue=true", "?overdue=false", "?unit=tandplejen", "?page=1&per_page=200", "?page=1000000",
    *(f"?status={status.value}" for status in Status), *(f"?rule={code}" for code in rule_codes()),
]


def _group_by(dimensions: list[str]) -> str:
    return "&".join(f"group_by={dimension}" for dimension in dimensions)


@given(reports=st.lists(st.tuples(days, st.sampled_from([None, "default", "last"])), min_size=1, max_size=4),
       window=st.tuples(days, days))
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_read_answers_200_whatever_plausible_days_the_cases_hold(
    api: Api, service: CaseService, reports: list[tuple[date, str | None]], window: tuple[date, date]
) -> None:
    for occurred_on, hearing in reports:
        created = api.post("/api/v1/cases", {**NEW_CASE, "occurred_on": occurred_on.isoformat()})
        assert created.status_code == 201, created.get_json()
        if hearing is not None:
            deadline = {"default": None, "last": LAST_DAY_AHEAD.isoformat()}[hearing]
            opened = api.post(f"/api/v1/cases/{created.get_json()['id']}/hearing",
                              {"sent_on": occurred_on.isoformat(), "deadline": deadline})
            assert opened.status_code == 200, opened.get_json()

    first, last = sorted(window)
    ranges = ["", f"&from={month_key(first)}", f"&to={month_key(last)}",
              f"&from={month_key(first)}&to={month_key(last)}"]
    for dimensions in GROUPINGS:
        for caller in ("hr", "rep"):
            for bounds in ranges:
                response = api.get(f"/api/v1/statistics?{_group_by(dimensions)}{bounds}", caller=caller)
                assert response.status_code == 200 or (
                    len(dimensions) > 2 and _too_many_cells(response.get_json())), (
                    dimensions, bounds, response.get_json())
    for query in LIST_FILTERS:
        for caller in ("hr", "manager"):
            response = api.get(f"/api/v1/cases{query}", caller=caller)
            assert response.status_code == 200, (query, response.get_json())
            assert all(item["occurred_on"] >= DEFAULT_EARLIEST_DATE.isoformat()
                       for item in response.get_json()["items"])


def _too_many_cells(problem: dict[str, object]) -> bool:
    """A grouping of every dimension at once may be refused as too fine: a 422, never a failure."""
    return problem.get("status") == 422 and "group_by" in problem.get("errors", {})  # type: ignore[operator]
