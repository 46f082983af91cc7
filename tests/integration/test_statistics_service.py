"""Statistics from the read model: exact where published, anonymous always."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy import create_engine, text

from domain.errors import InvalidCaseData
from domain.values import Outcome
from tests.scenarios import HR, MANAGER, REP, case_id, report


@pytest.fixture
def reported(service):
    views = []
    for n in range(7):
        views.append(report(service, HR, unit="skoler", rules=["6.2"], employee_name=f"Skole Person {n}",
                            description=f"Secret skoler story {n}"))
    for n in range(6):
        views.append(report(service, MANAGER, unit="tandplejen", rules=["4.1"],
                            employee_name=f"Tand Person {n}", description=f"Secret tand story {n}"))
    views.append(report(service, HR, unit="dagtilbud", rules=["4.1"], employee_name="Lone Ly",
                        description="The only one in dagtilbud"))
    return views


def test_published_counts_are_exact_and_small_ones_suppressed(service, reported):
    result = service.statistics(REP, group_by=["unit"])
    rows = {row.values["unit"]: row for row in result.rows}
    assert rows["skoler"].count == 7 and not rows["skoler"].suppressed
    assert rows["tandplejen"].count == 6
    assert rows["dagtilbud"].suppressed and rows["dagtilbud"].count is None
    assert result.total is None  # 14 - 7 - 6 would give dagtilbud away


def test_statistics_follow_the_steps(service, reported):
    for view in reported[:7]:
        service.close_case(HR, case_id(view), outcome=Outcome.RESOLVED, reason="Talked it through.")
    result = service.statistics(HR, group_by=["unit", "status"])
    rows = {(r.values["unit"], r.values["status"]): r for r in result.rows}
    assert rows[("skoler", "closed")].count == 7
    assert ("skoler", "reported") not in rows or rows[("skoler", "reported")].count is None


def test_no_statistics_response_carries_personal_data_or_case_ids(service, reported):
    secrets = [v.employee["ref"] for v in reported] + [v.employee["name"] for v in reported]
    secrets += [v.description for v in reported] + [v.id for v in reported]
    for group_by in ([], ["unit"], ["rule", "month"], ["unit", "channel", "status", "outcome"]):
        text_of_response = repr(asdict(service.statistics(REP, group_by=group_by)))
        assert not [s for s in secrets if s in text_of_response]


def test_the_statistics_table_holds_no_personal_data(service, reported, database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        dump = repr(connection.execute(text("SELECT * FROM case_facts")).all())
    engine.dispose()
    assert "Person" not in dump and "Secret" not in dump and "E-" not in dump
    assert "skoler" in dump


def test_managers_reps_and_hr_all_get_the_same_anonymous_answer(service, reported):
    answers = [service.statistics(user, group_by=["rule"]) for user in (REP, HR, MANAGER)]
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.parametrize("bad,field", [
    ({"group_by": ["employee"]}, "group_by"),
    ({"group_by": ["unit", "unit"]}, "group_by"),
    ({"from_month": "2026-13"}, "from"),
    ({"to_month": "26-01"}, "to"),
    ({"from_month": "2026-05", "to_month": "2026-04"}, "to"),
])
def test_bad_statistics_requests_are_named(service, bad, field):
    with pytest.raises(InvalidCaseData) as raised:
        service.statistics(REP, **bad)
    assert field in raised.value.errors
