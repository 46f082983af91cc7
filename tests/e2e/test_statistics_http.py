"""GET /statistics over HTTP: the contract's shape, exact where published, clear errors."""

from __future__ import annotations

import pytest

from tests.e2e.http import Api, assert_problem
from tests.scenarios import HR, report


@pytest.fixture
def populated(service):
    for _ in range(6):
        report(service, HR, unit="skoler", rules=["6.2"])
    for _ in range(5):
        report(service, HR, unit="tandplejen", rules=["4.1"])
    return service


def test_a_rep_gets_counts_by_unit_and_rule_in_the_contracts_shape(api: Api, populated):
    response = api.get("/api/v1/statistics?group_by=unit&group_by=rule", caller="rep")
    assert response.status_code == 200
    body = response.get_json()
    assert body["k"] == 5 and body["group_by"] == ["unit", "rule"]
    assert body["from"] is None and body["to"] is None
    assert {"unit": "skoler", "rule": "6.2", "count": 6, "suppressed": False}.items() <= body["rows"][0].items()
    cells = {(r["unit"], r["rule"], r["count"]) for r in body["rows"]}
    assert cells == {("skoler", "6.2", 6), ("tandplejen", "4.1", 5)}
    assert body["total"] == 11


def test_a_period_counts_incidents_by_their_month(api: Api, populated):
    month = populated.list_cases(HR).items[0].occurred_on.strftime("%Y-%m")
    inside = api.get(f"/api/v1/statistics?from={month}&to={month}", caller="rep").get_json()
    outside = api.get("/api/v1/statistics?from=2001-01&to=2001-12", caller="rep").get_json()
    assert inside["total"] == 11 and inside["from"] == month
    assert outside["total"] == 0 and outside["rows"] == []


@pytest.mark.parametrize("query,field", [
    ("group_by=employee", "group_by"),
    ("from=2026-13", "from"),
    ("to=june", "to"),
    ("from=2026-05&to=2026-04", "to"),
    ("group_by=unit&group_by=unit", "group_by"),
    ("k=2", "k"),
])
def test_a_bad_question_is_a_422_naming_the_field(api: Api, query, field):
    problem = assert_problem(api.get(f"/api/v1/statistics?{query}", caller="rep"), 422)
    assert any(key == field or key.startswith(f"{field}.") for key in problem["errors"]), problem
