"""GET /statistics and /statistics/releases over HTTP: the contract's shape, released months only."""

from __future__ import annotations

import pytest

from tests.e2e.http import Api, assert_problem
from tests.scenarios import HR, report
from tests.time_travel import time_machine  # noqa: F401  (fixture)


@pytest.fixture
def populated(service, time_machine):  # noqa: F811
    service.clock = time_machine
    for _ in range(6):
        report(service, HR, unit="skoler", rules=["6.2"])
    for _ in range(5):
        report(service, HR, unit="tandplejen", rules=["4.1"])
    report(service, HR, unit="dagtilbud", rules=["4.1"])
    return time_machine.next_month(day=2)


def test_a_rep_sees_nothing_until_hr_releases_the_month(api: Api, populated):
    before = api.get("/api/v1/statistics?group_by=unit", caller="rep").get_json()
    assert before["rows"] == [] and before["total"] == 0 and before["releases"] == []
    assert assert_problem(api.post("/api/v1/statistics/releases", {}, caller="rep"), 403)
    released = api.post("/api/v1/statistics/releases", {}, caller="hr")
    assert released.status_code == 200, released.get_json()
    [made] = released.get_json()
    assert made["period"] == populated and made["released_now"] is True and made["released_by"] == HR.id
    again = api.post("/api/v1/statistics/releases", {"period": populated}, caller="hr").get_json()
    assert again == [{**made, "released_now": False}]


def test_a_rep_gets_counts_by_unit_and_rule_in_the_contracts_shape(api: Api, populated):
    api.post("/api/v1/statistics/releases", {}, caller="hr")
    response = api.get("/api/v1/statistics?group_by=unit&group_by=rule", caller="rep")
    assert response.status_code == 200
    body = response.get_json()
    assert body["k"] == 5 and body["group_by"] == ["unit", "rule"]
    assert body["from"] is None and body["to"] is None
    assert {"unit": "skoler", "rule": "6.2", "count": 6, "suppressed": False}.items() <= body["rows"][0].items()
    cells = {(r["unit"], r["rule"], r["count"]) for r in body["rows"]}
    assert cells == {("skoler", "6.2", 6), ("tandplejen", "4.1", 5)}  # dagtilbud's lone case: nowhere
    assert body["total"] == 11
    releases = api.get("/api/v1/statistics/releases", caller="rep").get_json()
    assert [{"period": r["period"], "hash": r["hash"]} for r in releases] == body["releases"]
    assert "released_by" not in releases[0] and body["releases"][0]["period"] == populated


def test_a_period_counts_released_months(api: Api, populated):
    api.post("/api/v1/statistics/releases", {"through": populated}, caller="hr")
    inside = api.get(f"/api/v1/statistics?from={populated}&to={populated}", caller="rep").get_json()
    outside = api.get("/api/v1/statistics?from=2001-01&to=2001-12", caller="rep").get_json()
    assert inside["total"] == 11 and inside["from"] == populated
    assert outside["total"] == 0 and outside["rows"] == [] and outside["releases"] == []


@pytest.mark.parametrize("query,field", [
    ("group_by=employee", "group_by"),
    ("from=2026-13", "from"),
    ("to=june", "to"),
    ("from=2026-05&to=2026-04", "to"),
    ("group_by=unit&group_by=unit", "group_by"),
    ("k=2", "k"),
    ("to=%D9%A2%D9%A0%D9%A2%D9%A6-01", "to"),  # Arabic-Indic digits
    ("from=0001-01&to=9999-12", "from"),
])
def test_a_bad_question_is_a_422_naming_the_field(api: Api, query, field):
    problem = assert_problem(api.get(f"/api/v1/statistics?{query}", caller="rep"), 422)
    assert any(key == field or key.startswith(f"{field}.") for key in problem["errors"]), problem


@pytest.mark.parametrize("body,field", [
    ({"period": "2026-13"}, "period"),
    ({"through": "٢٠٢٦-01"}, "through"),
    ({"period": "9999-12"}, "period"),
    ({"period": "2026-01", "through": "2026-02"}, "period"),
    ({"everything": True}, "everything"),
])
def test_a_bad_release_is_a_422_and_releases_nothing(api: Api, body, field):
    problem = assert_problem(api.post("/api/v1/statistics/releases", body, caller="hr"), 422)
    assert field in problem["errors"], problem
    assert api.get("/api/v1/statistics/releases", caller="hr").get_json() == []
