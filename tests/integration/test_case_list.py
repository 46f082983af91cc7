"""The case list: written with every step, filtered and paged exactly, scoped to the user."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from domain.errors import InvalidCaseData
from domain.values import Outcome, Status
from service.errors import AccessDenied
from tests.scenarios import HR, INCIDENT_DAY, MANAGER, OTHER_MANAGER, REP, case_id, case_in, report


def test_the_list_shows_each_step_in_the_very_next_read(service):
    cid = case_in(service, Status.REPORTED)
    for step in range(3):
        service.add_note(MANAGER, cid, text=f"note {step}")
        [row] = service.list_cases(MANAGER).items
        assert row.version == 2 + step and row.id == str(cid)
    service.close_case(MANAGER, cid, outcome=Outcome.DISMISSED, reason="No breach.")
    assert service.list_cases(MANAGER, status="closed").total == 1
    assert service.list_cases(MANAGER, status="reported").total == 0


@pytest.fixture
def many_cases(service):
    made = []
    for index, (unit, rules, status) in enumerate(itertools.product(
        ["tandplejen", "skoler"], [["4.1"], ["6.1", "4.1"], ["6.2"]], [Status.REPORTED, Status.CLOSED]
    )):
        for _ in range(1 + index % 3):
            cid = case_id(report(service, HR, unit=unit, rules=rules))
            if status is Status.CLOSED:
                service.close_case(HR, cid, outcome=Outcome.RESOLVED, reason="Done.")
            made.append((str(cid), unit, rules, status.value))
    return made


@pytest.mark.parametrize("filters", [
    {}, {"unit": "skoler"}, {"status": "closed"}, {"rule": "4.1"}, {"rule": "6.2", "unit": "tandplejen"},
    {"status": "reported", "rule": "6.1"}, {"unit": "nowhere"},
])
def test_filters_and_pages_match_a_brute_force_count(service, many_cases, filters):
    expected = {
        cid for cid, unit, rules, status in many_cases
        if filters.get("unit", unit) == unit and filters.get("status", status) == status
        and ("rule" not in filters or filters["rule"] in rules)
    }
    seen, page = [], 1
    while True:
        result = service.list_cases(HR, page=page, per_page=4, **filters)
        assert result.total == len(expected)
        seen.extend(row.id for row in result.items)
        if len(result.items) < 4:
            break
        page += 1
    assert len(seen) == len(set(seen)) and set(seen) == expected
    activity = [row.last_activity_at for row in service.list_cases(HR, per_page=200, **filters).items]
    assert activity == sorted(activity, reverse=True)


def test_a_manager_lists_only_their_own_units(service, many_cases):
    mine = {cid for cid, unit, _, _ in many_cases if unit == "tandplejen"}
    assert {row.id for row in service.list_cases(MANAGER, per_page=200).items} == mine
    assert service.list_cases(MANAGER, unit="skoler").total == 0
    assert service.list_cases(OTHER_MANAGER, unit="tandplejen").total == 0
    with pytest.raises(AccessDenied):
        service.list_cases(REP)


def test_overdue_means_a_hearing_deadline_passed_without_a_statement(service):
    waiting = case_id(report(service))
    service.open_hearing(MANAGER, waiting, sent_on=INCIDENT_DAY + timedelta(days=1))
    answered = case_id(report(service))
    service.open_hearing(MANAGER, answered, sent_on=INCIDENT_DAY + timedelta(days=1))
    service.record_statement(MANAGER, answered, received_on=INCIDENT_DAY + timedelta(days=5), summary="Mine.")
    fresh = case_id(report(service))
    assert [row.id for row in service.list_cases(MANAGER, overdue=True).items] == [str(waiting)]
    assert {row.id for row in service.list_cases(MANAGER, overdue=False).items} == {str(answered), str(fresh)}


def test_erasure_leaves_no_employee_in_the_list(service):
    cid = case_in(service, Status.CLOSED)
    service.erase_personal_data(HR, cid, reason="Retention over.")
    [row] = service.list_cases(HR).items
    assert row.employee is None and row.personal_data_erased


@pytest.mark.parametrize("bad", [{"status": "lost"}, {"rule": "9.9"}, {"page": 0}, {"per_page": 201}])
def test_bad_list_filters_are_named(service, bad):
    with pytest.raises(InvalidCaseData) as raised:
        service.list_cases(HR, **bad)
    assert set(raised.value.errors) == set(bad)


@pytest.mark.parametrize("filters", [{}, {"unit": "skoler"}, {"status": "closed", "rule": "4.1"}])
@pytest.mark.parametrize("count_at_most", [1, 3, 9, 100])
def test_a_bounded_count_is_exact_up_to_its_bound_and_says_when_more_match(service, many_cases, filters,
                                                                          count_at_most):
    exact = service.list_cases(HR, per_page=2, **filters)
    bounded = service.list_cases(HR, per_page=2, count_at_most=count_at_most, **filters)
    assert bounded.items == exact.items
    assert bounded.total_exact is (exact.total <= count_at_most)
    assert bounded.total == min(exact.total, count_at_most)
    past_the_last = service.list_cases(HR, page=50, per_page=2, count_at_most=count_at_most, **filters)
    assert past_the_last.items == [] and past_the_last.total == bounded.total


def test_a_listed_case_keeps_its_rules_in_the_order_reported(service):
    cid = case_id(report(service, HR, rules=["6.2", "4.1", "6.1"]))
    [row] = [row for row in service.list_cases(HR, per_page=200).items if row.id == str(cid)]
    assert list(row.rules) == ["6.2", "4.1", "6.1"]
