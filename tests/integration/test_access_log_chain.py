"""The access log is chained: a deleted or edited entry makes ``verify`` fail, naming the log."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from adapters.config import parse_master_key
from adapters.sql.access_log import access_log_table
from tests.scenarios import HR, MANAGER, case_id, report


@pytest.fixture
def reads(make_service, master_key):
    """Two workers reading: each writes its own chain."""
    first = make_service(master_key=parse_master_key(master_key))
    second = make_service(master_key=parse_master_key(master_key))
    cid = case_id(report(first))
    for _ in range(3):
        first.get_case(MANAGER, cid)
        second.get_case(HR, cid)
    return first, cid


def _ids(service, cid) -> list[int]:
    t = access_log_table
    with service.factory.datastore.engine.connect() as connection:
        return list(connection.execute(select(t.c.id).where(t.c.case_id == str(cid)).order_by(t.c.id)).scalars())


def test_a_whole_log_verifies_with_one_chain_per_writer(reads, run):
    result = run("verify")
    assert result.exit_code == 0, result.output
    assert "access log entries verified in 2 chains" in result.output


def test_a_deleted_entry_is_caught(reads, run):
    service, cid = reads
    victim = _ids(service, cid)[1]
    with service.factory.datastore.transaction(commit=True) as session:
        session.execute(delete(access_log_table).where(access_log_table.c.id == victim))
    result = run("verify")
    assert result.exit_code == 1
    assert "ACCESS LOG" in result.output and "missing" in result.output and "deleted" in result.output
    refused = run("integrity", "seal")
    assert refused.exit_code == 1 and "access log does not verify" in refused.output


def test_an_edited_entry_is_caught_naming_it(reads, run):
    service, cid = reads
    victim = _ids(service, cid)[2]
    with service.factory.datastore.transaction(commit=True) as session:
        session.execute(update(access_log_table).where(access_log_table.c.id == victim).values(user_id="nobody"))
    result = run("verify")
    assert result.exit_code == 1
    assert f"ACCESS LOG: access log entry id {victim}" in result.output and "altered" in result.output
