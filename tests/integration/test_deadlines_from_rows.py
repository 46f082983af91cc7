"""The deadlines come from the case list's rows, and are exactly those the cases' own events give.

Before, ``deadlines()`` loaded every open case to derive them (22 s a request at 10,000 cases).
Here a varied set of cases is compared, day after day, with the old derivation from each loaded
aggregate (``case_facts`` + ``derive``), on both databases; and the query's cost is counted: the
same statements for 10 cases as for 200, and never a read of the events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.sql.read_models import case_summaries
from domain.deadlines import case_facts, derive
from domain.values import Outcome, Status
from service.authorisation import can_see_unit
from service.cases import CaseService
from service.deadlines import DeadlineItem, due_filter, item, may_resolve
from service.retention import RetentionPolicy
from service.users import User
from tests.integration.test_statement_counts import counted
from tests.scenarios import HR, INCIDENT_DAY, MANAGER, OTHER_MANAGER, TODAY, MovableClock, case_id, case_in, report

#: Days from today the comparison is made on: idle days running out per status, warnings'
#: notice, retention's notice for each outcome, and long after.
DAYS = (0, 4, 8, 12, 20, 27, 33, 45, 70, 200, 340, 370, 800)
RETENTION = "dismissed=30d,resolved=60d,sanctioned=1y,referred=never"
IDLE = ((Status.REPORTED, 3), (Status.ASSESSED, 7), (Status.TALK_HELD, 10))


def a_varied_set_of_cases(service: CaseService) -> dict[str, UUID]:
    """Each way a case can stand as far as its deadlines go, named."""
    day = INCIDENT_DAY
    cases: dict[str, UUID] = {status.value: case_in(service, status) for status in Status}

    def new(user: User = MANAGER, unit: str = "tandplejen") -> UUID:
        return case_id(report(service, user, unit=unit))

    cases["unanswered, overdue"] = cid = new()
    service.open_hearing(MANAGER, cid, sent_on=TODAY - timedelta(days=14), deadline=TODAY - timedelta(days=1))
    cases["unanswered, approaching, other unit"] = cid = new(OTHER_MANAGER, "skoler")
    service.open_hearing(OTHER_MANAGER, cid, sent_on=TODAY)
    cases["answered by a statement"] = cid = new()
    service.open_hearing(MANAGER, cid, sent_on=day + timedelta(days=5))
    service.record_statement(MANAGER, cid, received_on=day + timedelta(days=8), summary="My side.")
    cases["statement before the hearing sent"] = cid = new()
    service.record_statement(MANAGER, cid, received_on=day + timedelta(days=2), summary="Early.")
    service.open_hearing(MANAGER, cid, sent_on=day + timedelta(days=5))
    cases["statement recorded before a backdated hearing"] = cid = new()
    service.record_statement(MANAGER, cid, received_on=day + timedelta(days=12), summary="Later day.")
    service.open_hearing(MANAGER, cid, sent_on=day + timedelta(days=5))
    cases["answered by a warning, expiring"] = cid = case_in(service, Status.TALK_HELD)
    service.open_hearing(MANAGER, cid, sent_on=day + timedelta(days=11), deadline=day + timedelta(days=15))
    service.issue_warning(MANAGER, cid, issued_on=day + timedelta(days=20), text="Warned.",
                          valid_until=TODAY + timedelta(days=25))
    cases["a second hearing after the warning"] = cid = case_in(service, Status.TALK_HELD)
    service.record_statement(MANAGER, cid, received_on=day + timedelta(days=12), summary="Heard.")
    service.issue_warning(MANAGER, cid, issued_on=day + timedelta(days=20), text="Warned.",
                          valid_until=TODAY + timedelta(days=300))
    service.open_hearing(MANAGER, cid, sent_on=day + timedelta(days=30), deadline=TODAY + timedelta(days=3))
    cases["closed after a warning, still valid"] = cid = case_in(service, Status.TALK_HELD)
    service.record_statement(MANAGER, cid, received_on=day + timedelta(days=12), summary="Heard.")
    service.issue_warning(MANAGER, cid, issued_on=day + timedelta(days=20), text="Warned.",
                          valid_until=TODAY + timedelta(days=40))
    service.escalate(HR, cid, reason="Again.")
    service.close_case(MANAGER, cid, outcome=Outcome.SANCTIONED, reason="Warned.")
    for outcome in Outcome:
        cases[f"closed {outcome.value}"] = cid = new()
        service.close_case(MANAGER, cid, outcome=outcome, reason="Done.")
    cases["closed, erased"] = cid = new()
    service.close_case(MANAGER, cid, outcome=Outcome.DISMISSED, reason="Nothing in it.")
    service.erase_personal_data(HR, cid, reason="Retention over.")
    cases["reopened"] = cid = case_in(service, Status.ASSESSED)
    service.close_case(MANAGER, cid, outcome=Outcome.RESOLVED, reason="Settled.")
    service.reopen(HR, cid, reason="New facts.")
    cases["note only"] = cid = new()
    service.add_note(MANAGER, cid, text="Looked at it.")
    return cases


def from_aggregates(service: CaseService, user: User, cases: dict[str, UUID]) -> list[DeadlineItem]:
    """What ``deadlines()`` answered before: each case loaded, its events' facts derived."""
    today = service.today()
    found = [d for cid in cases.values()
             for d in derive(case_facts(service._load(cid)), service.deadline_rules, today)]
    items = [item(d, today) for d in found if can_see_unit(user, d.unit) and may_resolve(user, d)]
    return sorted(items, key=lambda i: (not i.overdue, i.due_on, i.kind, i.subject_id))


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def varied(make_service: Callable[..., CaseService], clock: MovableClock) -> tuple[CaseService, dict[str, UUID]]:
    service = make_service(clock=clock, retention=RetentionPolicy.parse(RETENTION), idle_days=14,
                           idle_days_by_status=IDLE)
    return service, a_varied_set_of_cases(service)


def test_each_rows_facts_are_the_aggregates(varied: tuple[CaseService, dict[str, UUID]]) -> None:
    service, cases = varied
    assert service.case_list is not None
    rows = service.case_list.rows([str(cid) for cid in cases.values()])
    for name, cid in cases.items():
        assert rows[str(cid)].facts() == case_facts(service._load(cid)), name


def test_the_deadlines_from_the_rows_are_those_the_events_give_day_after_day(
    varied: tuple[CaseService, dict[str, UUID]], clock: MovableClock,
) -> None:
    service, cases = varied
    start = clock.now
    kinds_seen: set[str] = set()
    for days in DAYS:
        clock.now = start + timedelta(days=days)
        for user in (HR, MANAGER, OTHER_MANAGER):
            mine = [d for d in service.deadlines(user) if d.subject == "case"]
            assert mine == from_aggregates(service, user, cases), f"{user.id}, {days} days on"
            kinds_seen |= {d.kind for d in mine}
    # The set is varied enough: every kind of a case's deadline came up on some day.
    assert kinds_seen == {"hearing_deadline", "idle", "warning_expiry", "retention_due"}


def test_the_query_admits_what_its_python_twin_admits(
    varied: tuple[CaseService, dict[str, UUID]], clock: MovableClock,
) -> None:
    service, cases = varied
    assert service.case_list is not None
    rows = service.case_list.rows([str(cid) for cid in cases.values()])
    start = clock.now
    for days in DAYS:
        today = (start + timedelta(days=days)).astimezone(UTC).date()
        for units, retention in ((None, True), (frozenset({"tandplejen"}), False)):
            due = due_filter(service.deadline_rules, today, units=units, retention=retention)
            expected = [rows[key].facts() for key in sorted(rows) if due.admits(rows[key])]
            assert service.case_list.due_facts(due) == expected, f"{days} days on, units {units}"


def test_closed_cases_without_a_deadline_are_not_read(varied: tuple[CaseService, dict[str, UUID]]) -> None:
    service, cases = varied
    assert service.case_list is not None
    due = due_filter(service.deadline_rules, service.today(), units=None, retention=True)
    read = {facts.case_id for facts in service.case_list.due_facts(due)}
    assert str(cases["closed referred"]) not in read  # never falls due
    assert str(cases["closed sanctioned"]) not in read  # a year: not within its 30 days' notice yet
    assert str(cases["closed dismissed"]) in read  # 30 days: within notice from the day it closed
    assert str(cases["closed, erased"]) not in read
    assert str(cases["closed after a warning, still valid"]) in read


def many_cases(service: CaseService, count: int) -> int:
    """``count`` new cases: a third with a hearing overdue, a third closed; how many hearings."""
    for index in range(count):
        cid = case_id(report(service))
        if index % 3 == 0:
            service.open_hearing(MANAGER, cid, sent_on=TODAY - timedelta(days=14), deadline=TODAY - timedelta(days=1))
        elif index % 3 == 1:
            service.close_case(MANAGER, cid, outcome=Outcome.DISMISSED, reason="Nothing in it.")
    return len(range(0, count, 3))


def test_the_deadlines_cost_the_same_statements_for_10_and_200_cases_and_load_no_case(
    make_service: Callable[..., CaseService], monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = make_service()
    statements: dict[int, dict[str, int]] = {}
    hearings = many_cases(service, 10)
    for total in (10, 200):
        if total == 200:
            hearings += many_cases(service, 190)
        statements[total] = {}
        for user in (HR, MANAGER):
            with counted(service) as found:
                tasks = service.deadlines(user)
            assert len([t for t in tasks if t.kind == "hearing_deadline"]) == hearings
            statements[total][user.id] = len(found)
            # One query of the case list; nothing of the events (nor snapshots) is read.
            assert sum(case_summaries.name in s for s in found) == 1
            assert not any("stored_events" in s or "snapshots" in s for s in found), found
    assert statements[10] == statements[200]


def test_no_aggregate_is_loaded(varied: tuple[CaseService, dict[str, UUID]], clock: MovableClock,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    service, _ = varied

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a case was loaded to derive its deadlines")

    monkeypatch.setattr(service, "_load", refused)
    monkeypatch.setattr(service.repository, "get", refused)
    clock.now = datetime.now(UTC) + timedelta(days=370)
    assert service.deadlines(HR)
