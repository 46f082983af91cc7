"""The read side follows the log exactly once: inline, from a worker, after a crash, rebuilt."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from adapters.cli import main
from domain.case import Case
from domain.values import Channel, Outcome, Status
from service.case_list import FOLDED_FIELDS
from tests.scenarios import HR, INCIDENT_DAY, MANAGER, case_id, case_in, report

# The employee columns are ciphertext with fresh nonces on every write: compared decrypted below.
SUMMARY_COLUMNS = ("id, version, unit, status, status_before_closure, outcome, occurred_on, channel, reported_at, "
                   "reported_by, last_activity_at, hearing_sent_on, hearing_deadline, statement_after_hearing, "
                   "personal_data_erased")
TABLES = {
    "case_summaries": "id",
    "case_summary_rules": "case_id, ordinal",
    "case_facts": "case_id",
    "projection_positions": "name",
    "statistics_transitions": "case_id, version",
}


def dump(database_url: str) -> dict[str, list]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        found = {name: connection.execute(text(
                     f"SELECT {SUMMARY_COLUMNS if name == 'case_summaries' else '*'} FROM {name} ORDER BY {order}"
                 )).all() for name, order in TABLES.items()}
    engine.dispose()
    return found


@pytest.fixture
def busy(service):
    """Cases in every status, some erased, some with many steps."""
    for status in Status:
        for _ in range(3):
            case_in(service, status)
    erased = case_in(service, Status.CLOSED)
    service.erase_personal_data(HR, erased, reason="Retention over.")
    long = case_in(service, Status.ASSESSED)
    for n in range(12):
        service.add_note(MANAGER, long, text=f"note {n}")
    # A hearing answered late, a warning with its last valid day, escalated, a closure undone.
    heard = case_in(service, Status.TALK_HELD)
    service.open_hearing(MANAGER, heard, sent_on=INCIDENT_DAY + timedelta(days=11))
    service.record_statement(MANAGER, heard, received_on=INCIDENT_DAY + timedelta(days=14), summary="Late.")
    service.issue_warning(MANAGER, heard, issued_on=INCIDENT_DAY + timedelta(days=20), text="Warning.",
                          valid_until=INCIDENT_DAY + timedelta(days=420))
    service.escalate(HR, heard, reason="Again.")
    service.close_case(HR, heard, outcome=Outcome.SANCTIONED, reason="Warned.")
    service.reopen(HR, heard, reason="New facts.")
    unanswered = case_in(service, Status.ASSESSED)
    service.open_hearing(MANAGER, unanswered, sent_on=INCIDENT_DAY + timedelta(days=3),
                         deadline=INCIDENT_DAY + timedelta(days=17))
    report(service, rules=["6.1", "4.1", "3.2"], channel=Channel.FACEBOOK, employee_name=None)
    return service


def rows(service) -> dict:
    store = service.case_list_projection.store
    return store.rows([row.id for row in service.list_cases(HR, per_page=200).items])


def test_a_rebuild_from_the_events_alone_gives_identical_tables(busy, database_url):
    before, rows_before = dump(database_url), rows(busy)
    assert busy.case_list_projection.rebuild(batch_size=3, per_transaction=7) == busy.recorder.max_notification_id()
    assert dump(database_url) == before
    assert rows(busy) == rows_before
    assert before["case_summaries"] and before["case_facts"]
    assert any(row.employee_ref for row in rows_before.values())


def test_a_rebuild_carries_the_employee_through_as_the_report_sealed_it(busy, database_url, monkeypatch):
    rows_before = rows(busy)

    def no_sealing(*args, **kwargs):
        raise AssertionError("a rebuild seals nothing again")

    monkeypatch.setattr(busy.key_ring, "encrypt", no_sealing)
    busy.case_list_projection.rebuild(batch_size=500)

    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT employee_ref, employee_name, personal_data_erased FROM case_summaries")).all()
    engine.dispose()
    kept = [row for row in stored if not row.personal_data_erased]
    assert kept and all(row.employee_ref.startswith("1:") and (row.employee_name or "1:").startswith("1:")
                        for row in kept)
    clear = {row.employee_ref for row in rows_before.values() if row.employee_ref} | {"Jane Doe"}
    assert not any(value in row.employee_ref + (row.employee_name or "") for row in kept for value in clear)
    assert all(row.employee_ref is None for row in stored if row.personal_data_erased)
    assert rows(busy) == rows_before  # opened with the case's key, they are what the events say


def test_a_crash_mid_rebuild_resumes_with_no_gap_and_no_double_count(busy, database_url, monkeypatch):
    before, rows_before = dump(database_url), rows(busy)
    projection = busy.case_list_projection
    store = projection.store
    real_save = store.save_rows
    calls = {"n": 0}

    def crash_on_third_batch(rows, position, **options):
        calls["n"] += 1
        real_save(rows, position, **options)  # written, then the transaction dies before commit
        if calls["n"] == 3:
            raise RuntimeError("power cut")

    monkeypatch.setattr(store, "save_rows", crash_on_third_batch)
    with pytest.raises(RuntimeError):
        projection.rebuild(batch_size=4, per_transaction=10)
    assert projection.status().position == 20  # two whole transactions committed, the third not at all
    monkeypatch.setattr(store, "save_rows", real_save)
    projection.catch_up(batch_size=10)
    assert dump(database_url) == before
    assert rows(busy) == rows_before


def test_a_worker_keeps_the_list_when_writers_do_not_project(make_service, database_url):
    writer = make_service(inline_projections=False)
    worker = make_service()
    views = [report(writer) for _ in range(4)]
    writer.close_case(MANAGER, case_id(views[0]), outcome=Outcome.DISMISSED, reason="No breach.")
    status = worker.case_list_projection.status()
    assert status.lag == 5 and worker.list_cases(HR).total == 0
    assert worker.case_list_projection.catch_up() == 5
    assert worker.case_list_projection.status().lag == 0
    listed = {row.id: row.status for row in worker.list_cases(HR).items}
    assert listed == {v.id: ("closed" if v is views[0] else "reported") for v in views}


def test_a_step_on_a_case_missing_from_the_list_puts_it_back_whole(busy):
    cid = case_in(busy, Status.TALK_HELD)
    busy.case_list_projection.store.reset("case_list")
    busy.add_note(MANAGER, cid, text="After the reset")
    [row] = busy.list_cases(HR).items
    assert row.id == str(cid) and row.status == "talk_held" and row.version == 4


def test_an_older_row_never_overwrites_a_newer_one(busy):
    store = busy.case_list_projection.store
    cid = case_in(busy, Status.ASSESSED)
    [current] = store.rows([str(cid)]).values()
    older = dataclasses.replace(current, version=1, status="reported")
    with store.transaction():
        store.save_rows([older], None)
    assert store.rows([str(cid)])[str(cid)] == current


def test_the_command_line_shows_status_rebuilds_and_follows(busy, database_url, monkeypatch):
    monkeypatch.setenv("BREACHTRAIL_DATABASE_URL", database_url)
    runner = CliRunner()
    head = busy.recorder.max_notification_id()
    status = runner.invoke(main, ["projections", "status"])
    assert status.exit_code == 0, status.output
    assert status.output.splitlines()[1].split() == ["case_list", str(head), str(head), "0"]
    rebuilt = runner.invoke(main, ["projections", "rebuild", "--batch-size", "25"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"rebuilt from {head} events" in rebuilt.output
    followed = runner.invoke(main, ["projections", "run", "--once"])
    assert followed.exit_code == 0 and "stopped" in followed.output


def test_a_rebuild_decodes_each_attribute_the_fold_reads_as_the_library_does(busy):
    log = busy.case_list_projection.log
    whole = dict(log.read(after=0, limit=10_000, sealed=True))
    partial = dict(log.read(after=0, limit=10_000, sealed=True, fields=FOLDED_FIELDS))
    assert whole.keys() == partial.keys()
    compared = 0
    for position, event in whole.items():
        if not isinstance(event, Case.Event):
            assert partial[position] is None
            continue
        found = partial[position]
        assert type(found) is type(event)
        for name, value in vars(found).items():
            assert value == getattr(event, name) and type(value) is type(getattr(event, name)), (name, event)
            compared += 1
    assert compared > 5 * len(whole)
