"""The access log: every read of a case leaves one entry naming who read what, and when."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters.sql.access_log import access_log_table
from domain.values import Status
from service.errors import AccessDenied, CaseNotFound, VersionNotFound
from tests.scenarios import HR, MANAGER, OTHER_MANAGER, REP, case_in


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _entries(service, cid):
    return service.access_log.entries(str(cid))


def test_each_read_of_a_case_adds_exactly_one_entry_naming_the_reader(make_service):
    clock = Clock()
    service = make_service(clock=clock)
    cid = case_in(service, Status.ASSESSED)  # case_in reads the case once, as HR
    before = len(_entries(service, cid))
    as_of = datetime.now(UTC) + timedelta(hours=1)

    service.get_case(MANAGER, cid)
    service.get_case(HR, cid, version=1)
    service.get_case(MANAGER, cid, as_of=as_of)
    service.history(MANAGER, cid)
    service.export_case(HR, cid)
    service.read_access_log(HR, cid)

    entries = _entries(service, cid)[before:]
    assert [(e.read, e.user_id, e.role, e.version, e.as_of) for e in entries] == [
        ("case", MANAGER.id, "manager", None, None),
        ("case", HR.id, "hr", 1, None),
        ("case", MANAGER.id, "manager", None, as_of),
        ("history", MANAGER.id, "manager", None, None),
        ("export", HR.id, "hr", None, None),
        ("access-log", HR.id, "hr", None, None),
    ]
    assert all(e.case_id == str(cid) for e in entries)
    times = [e.at for e in entries]
    assert times == sorted(times) and times[-1] == clock.now


def test_reading_the_access_log_is_itself_logged_and_shows_that_read(service):
    cid = case_in(service, Status.REPORTED)

    first = service.read_access_log(HR, cid)
    second = service.read_access_log(HR, cid)

    assert first[-1].read == "access-log"
    assert second[:-1] == first and second[-1].read == "access-log"


def test_entries_are_kept_per_case_oldest_first(service):
    one, other = case_in(service, Status.REPORTED), case_in(service, Status.REPORTED)
    service.history(HR, other)

    assert [e.read for e in service.read_access_log(HR, one)] == ["case", "access-log"]
    assert [e.read for e in service.read_access_log(HR, other)] == ["case", "history", "access-log"]


def test_managers_and_reps_cannot_read_the_access_log_and_refused_reads_leave_no_entry(service):
    cid = case_in(service, Status.ASSESSED)
    before = _entries(service, cid)

    for user in (MANAGER, OTHER_MANAGER, REP):
        with pytest.raises(AccessDenied):
            service.read_access_log(user, cid)
    with pytest.raises(AccessDenied):
        service.get_case(REP, cid)
    with pytest.raises(CaseNotFound):
        service.get_case(OTHER_MANAGER, cid)
    with pytest.raises(CaseNotFound):
        service.history(OTHER_MANAGER, cid)
    with pytest.raises(VersionNotFound):
        service.get_case(HR, cid, version=99)

    assert _entries(service, cid) == before


def test_the_access_log_of_an_unknown_case_is_not_found(service):
    with pytest.raises(CaseNotFound):
        service.read_access_log(HR, uuid.uuid4())


def test_the_access_log_holds_nothing_of_the_employee(service, database_url):
    cid = case_in(service, Status.WARNING_ISSUED)
    case = service.get_case(HR, cid)
    service.history(MANAGER, cid)
    service.export_case(HR, cid)

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(access_log_table)).all()
    finally:
        engine.dispose()
    stored = " ".join(str(value) for row in rows for value in row)
    assert len(rows) >= 4
    for personal in (case.employee["ref"], case.employee["name"], case.description, "Jane"):
        assert personal not in stored
    assert set(access_log_table.columns.keys()) == {
        "id", "case_id", "what", "user_id", "user_role", "read_at", "version", "as_of", "chain", "seq", "link"}


def test_the_access_log_outlives_erasure_whole(service):
    cid = case_in(service, Status.CLOSED)
    service.history(MANAGER, cid)
    before = service.read_access_log(HR, cid)

    service.erase_personal_data(HR, cid, reason="Retention period over.")

    assert service.read_access_log(HR, cid)[: len(before)] == before


def test_a_restarted_service_reads_the_same_log(make_service):
    cid = case_in(make_service(), Status.REPORTED)

    entries = make_service().read_access_log(HR, cid)

    assert [e.read for e in entries] == ["case", "access-log"]
    assert all(e.at.tzinfo is not None for e in entries)


def test_a_case_list_page_logs_a_read_of_every_case_it_shows_and_of_none_it_does_not(make_service):
    from tests.scenarios import OTHER_MANAGER, case_id, report

    service = make_service(clock=Clock())
    older = case_id(report(service))
    shown = case_id(report(service))
    other_unit = case_id(report(service, OTHER_MANAGER, unit="skoler"))
    before = {cid: len(_entries(service, cid)) for cid in (older, shown, other_unit)}

    page = service.list_cases(MANAGER, per_page=1)
    assert [item.id for item in page.items] == [str(shown)]
    entries = _entries(service, shown)
    assert len(entries) == before[shown] + 1
    assert (entries[-1].read, entries[-1].user_id, entries[-1].role) == ("list", MANAGER.id, "manager")
    assert len(_entries(service, older)) == before[older]  # on the next page: not shown, not logged
    assert len(_entries(service, other_unit)) == before[other_unit]
