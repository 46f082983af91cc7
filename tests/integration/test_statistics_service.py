"""Statistics from released months: exact where published, anonymous always, final once released."""

from __future__ import annotations

import time
from dataclasses import asdict

import pytest
from sqlalchemy import create_engine, text

from domain.errors import InvalidCaseData
from domain.values import Outcome
from service.errors import AccessDenied
from tests.scenarios import HR, MANAGER, REP, case_id, report
from tests.time_travel import time_machine  # noqa: F401  (fixture)


@pytest.fixture
def service(make_service, time_machine):  # noqa: F811
    return make_service(clock=time_machine)


@pytest.fixture
def reported(service, time_machine):  # noqa: F811
    views = []
    for n in range(7):
        views.append(report(service, HR, unit="skoler", rules=["6.2"], employee_name=f"Skole Person {n}",
                            description=f"Secret skoler story {n}"))
    for n in range(6):
        views.append(report(service, MANAGER, unit="tandplejen", rules=["4.1"],
                            employee_name=f"Tand Person {n}", description=f"Secret tand story {n}"))
    views.append(report(service, HR, unit="dagtilbud", rules=["4.1"], employee_name="Lone Ly",
                        description="The only one in dagtilbud"))
    month = time_machine.next_month(day=2)
    service.release_statistics(HR)
    return views, month


def test_nothing_is_counted_before_its_month_is_released(service):
    report(service, HR, unit="skoler")
    result = service.statistics(REP, group_by=["unit"])
    assert result.rows == [] and result.total == 0 and result.releases == []


def test_published_counts_are_exact_and_a_lone_case_is_nowhere(service, reported):
    _, month = reported
    result = service.statistics(REP, group_by=["unit"])
    rows = {row.values["unit"]: row for row in result.rows}
    assert rows["skoler"].count == 7 and not rows["skoler"].suppressed
    assert rows["tandplejen"].count == 6
    assert "dagtilbud" not in rows and result.total == 13
    [(period, digest)] = result.releases
    assert period == month and len(digest) == 64


def test_a_later_month_counts_the_status_it_left_each_case_in(service, reported, time_machine):  # noqa: F811
    views, month = reported
    for view in views[:7]:
        service.close_case(HR, case_id(view), outcome=Outcome.RESOLVED, reason="Talked it through.")
    service.close_case(HR, case_id(views[-1]), outcome=Outcome.RESOLVED, reason="Talked it through.")
    assert service.statistics(HR, group_by=["unit", "status"]).total == 13  # not released yet
    later = time_machine.next_month(day=2)
    service.release_statistics(HR)
    rows = {(r.values["unit"], r.values["month"], r.values["status"], r.values["outcome"]): r
            for r in service.statistics(HR, group_by=["unit", "month", "status", "outcome"]).rows}
    assert rows[("skoler", later, "closed", "resolved")].count == 7
    assert rows[("skoler", month, "reported", None)].count == 7  # the released month never changes
    assert not [key for key in rows if key[0] == "dagtilbud"]


def test_no_statistics_response_carries_personal_data_or_case_ids(service, reported):
    views, _ = reported
    secrets = [v.employee["ref"] for v in views] + [v.employee["name"] for v in views]
    secrets += [v.description for v in views] + [v.id for v in views]
    for group_by in ([], ["unit"], ["rule", "month"], ["unit", "channel", "status", "outcome"]):
        text_of_response = repr(asdict(service.statistics(REP, group_by=group_by)))
        assert not [s for s in secrets if s in text_of_response]


def test_the_statistics_tables_hold_no_personal_data(service, reported, database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        dump = repr([connection.execute(text(f"SELECT * FROM {table}")).all()
                     for table in ("statistics_transitions", "statistics_releases")])
    engine.dispose()
    assert "Person" not in dump and "Secret" not in dump and "E-" not in dump and "Lone" not in dump
    assert "skoler" in dump


def test_managers_reps_and_hr_all_get_the_same_anonymous_answer(service, reported):
    answers = [service.statistics(user, group_by=["rule"]) for user in (REP, HR, MANAGER)]
    assert answers[0] == answers[1] == answers[2]


def test_a_release_is_byte_identical_after_erasure_and_reopening(service, reported, time_machine):  # noqa: F811
    views, _ = reported
    store = service._statistics.store
    before, answer_before = store.bodies(), service.statistics(REP, group_by=["unit", "rule", "status"])
    for view in views[:3]:
        service.close_case(HR, case_id(view), outcome=Outcome.DISMISSED, reason="No breach.")
        service.erase_personal_data(HR, case_id(view), reason="Retention period over.")
    service.close_case(HR, case_id(views[8]), outcome=Outcome.RESOLVED, reason="Done.")
    service.reopen(HR, case_id(views[8]), reason="New facts came to light.")
    assert service.case_list_projection is not None
    service.case_list_projection.rebuild()
    assert store.bodies() == before
    assert service.statistics(REP, group_by=["unit", "rule", "status"]) == answer_before


def test_releasing_is_idempotent_and_recorded(service, reported, time_machine):  # noqa: F811
    _, month = reported
    [first] = service.statistics_releases(REP)
    again = service.release_statistics(HR, period=month)
    assert again == [(first, False)]
    assert service.statistics_releases(HR) == [first]
    assert first.released_by == HR.id and first.period == month


def test_an_open_month_and_a_rep_cannot_release(service, time_machine):  # noqa: F811
    with pytest.raises(InvalidCaseData) as raised:
        service.release_statistics(HR, period=time_machine.local_month())
    assert "period" in raised.value.errors
    with pytest.raises(AccessDenied):
        service.release_statistics(REP)
    assert service.statistics_releases(HR) == []


def test_an_odd_stored_period_never_breaks_releasing_or_answering(service, reported, database_url):
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for n, period in enumerate(["abcd-ef", "0000-00", "٢٠٢٦-01", "2026-1"]):
            connection.execute(text(
                "INSERT INTO statistics_transitions (case_id, version, period, unit, rules, channel, status) "
                f"VALUES ('odd-{n}', 1, :period, 'skoler', '4.1', 'sms', 'reported')"), {"period": period})
    engine.dispose()
    assert [made for _, made in service.release_statistics(HR)] == []
    assert service.statistics(REP, group_by=["unit", "month"]).total == 13


@pytest.mark.parametrize("bad,field", [
    ({"group_by": ["employee"]}, "group_by"),
    ({"group_by": ["unit", "unit"]}, "group_by"),
    ({"from_month": "2026-13"}, "from"),
    ({"to_month": "26-01"}, "to"),
    ({"from_month": "2026-05", "to_month": "2026-04"}, "to"),
    ({"to_month": "٢٠٢٦-01"}, "to"),
    ({"from_month": "0001-01"}, "from"),
    ({"from_month": "1999-12"}, "from"),
])
def test_bad_statistics_requests_are_named(service, bad, field):
    with pytest.raises(InvalidCaseData) as raised:
        service.statistics(REP, **bad)
    assert field in raised.value.errors


def test_the_widest_range_costs_what_a_narrow_one_does(service, reported):
    started = time.perf_counter()
    wide = service.statistics(REP, group_by=["month"], from_month="2000-01", to_month="9999-12")
    assert time.perf_counter() - started < 1.0
    assert wide.total == 13 and len(wide.rows) == 1
