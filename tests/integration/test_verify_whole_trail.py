"""``breachtrail verify`` beyond the events: policy events linked on upgrade, the erasure ledger
applied, released statistics unedited."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from adapters.cli import main
from adapters.composition import build_case_service, close_case_service, restore_database
from adapters.config import Settings, parse_master_key
from adapters.sql.chain import policy_chain
from adapters.sql.schema_version import POLICY_CHAIN_VERSION, schema_versions
from adapters.sql.statistics_source import statistics_releases
from tests.integration.test_backup_restore import _empty
from tests.integration.test_erasure_at_rest import build_case
from tests.policy_texts import DRAFT_KEY, REVISED
from tests.scenarios import HR, report
from tests.time_travel import COPENHAGEN, time_machine  # noqa: F401  (fixture)


def _as_before_the_policy_chain(database_url: str) -> None:
    """The database as the release before the policy chain left it: no policy links, no release MACs,
    schema version 1."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(delete(policy_chain))
            connection.execute(update(statistics_releases).values(mac=None))
            connection.execute(delete(schema_versions).where(schema_versions.c.version >= POLICY_CHAIN_VERSION))
    finally:
        engine.dispose()


def test_init_db_seals_the_policy_events_and_releases_of_an_older_installation_once(
        make_service, master_key, time_machine, run, database_url):  # noqa: F811
    service = _released_march(make_service, master_key, time_machine, run)
    service.policies.revise(HR, DRAFT_KEY, text=REVISED)
    stored = service.policies.recorder.max_notification_id()
    assert run("init-db").exit_code == 0
    _as_before_the_policy_chain(database_url)

    before = run("verify")
    assert before.exit_code == 1 and "POLICY CHAIN BROKEN at policy event 1" in before.output
    assert "statistics release 2025-03: its row's MAC does not match" in before.output

    upgraded = run("init-db")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"applied schema version {POLICY_CHAIN_VERSION}" in upgraded.output
    after = run("verify")
    assert after.exit_code == 0, after.output
    assert f"ok: {stored} policy events verified" in after.output
    assert "ok: 1 statistics releases match their recorded hashes" in after.output

    # Once: links deleted after the upgrade are not made again by a later init-db.
    with service.policies.factory.datastore.transaction(commit=True) as session:
        session.execute(delete(policy_chain))
    assert "applied" not in run("init-db").output
    assert run("verify").exit_code == 1


def test_verify_fails_while_an_erasure_in_the_ledger_is_not_applied(database_url, master_key, key_dir, tmp_path):
    def run(*args: str):  # with a backup window, so that the backup can still be opened
        return CliRunner().invoke(main, list(args), env={
            "BREACHTRAIL_DATABASE_URL": database_url, "BREACHTRAIL_MASTER_KEY": master_key,
            "BREACHTRAIL_BACKUP_WINDOW_DAYS": "30"})

    settings = Settings(database_url=database_url, master_key=parse_master_key(master_key), key_dir=key_dir,
                        backup_window_days=30)
    service = build_case_service(settings)
    erased = build_case(service)
    backup = tmp_path / "nightly.backup"
    assert run("backup", str(backup)).exit_code == 0
    service.erase_personal_data(HR, erased, reason="Retention over; archived first.")
    close_case_service(service)
    assert run("verify").exit_code == 0

    _empty(database_url)
    restore_database(database_url, backup, lambda line: None)  # the backup back, the ledger not applied
    result = run("verify")
    assert result.exit_code == 1
    assert f"ERASURE not applied: case {erased} is in the erasure ledger" in result.output

    _empty(database_url)
    assert run("restore", str(backup), "--yes").exit_code == 0
    assert run("verify").exit_code == 0


def _released_march(make_service, master_key, time_machine, run):  # noqa: F811
    time_machine.now = datetime(2025, 3, 10, 12, tzinfo=COPENHAGEN).astimezone(UTC)
    service = make_service(clock=time_machine, master_key=parse_master_key(master_key))
    for _ in range(5):
        report(service, HR, unit="skoler", occurred_on=date(2025, 3, 1))
    released = run("statistics", "release", "--period", "2025-03")
    assert released.exit_code == 0, released.output
    return service


def _edit_march(service, *, with_hash: bool) -> None:
    r = statistics_releases
    with service.factory.datastore.transaction(commit=True) as session:
        body = session.execute(select(r.c.body).where(r.c.period == "2025-03")).scalar_one()
        assert '"count":5' in body
        edited = body.replace('"count":5', '"count":6')
        values = {"body": edited}
        if with_hash:
            values["hash"] = hashlib.sha256(edited.encode()).hexdigest()
        session.execute(update(r).where(r.c.period == "2025-03").values(**values))


def test_an_edited_released_count_fails_verify(make_service, master_key, time_machine, run):  # noqa: F811
    service = _released_march(make_service, master_key, time_machine, run)
    whole = run("verify")
    assert whole.exit_code == 0 and "ok: 1 statistics releases match their recorded hashes" in whole.output

    _edit_march(service, with_hash=False)
    result = run("verify")
    assert result.exit_code == 1
    assert "STATISTICS: statistics release 2025-03: its stored text does not match the hash" in result.output
    assert run("integrity", "seal").exit_code == 1


def test_a_release_rewritten_together_with_its_hash_fails_verify_and_a_seal(
        make_service, master_key, time_machine, run, tmp_path):  # noqa: F811
    service = _released_march(make_service, master_key, time_machine, run)
    seals = tmp_path / "seals.jsonl"
    assert run("integrity", "seal", "--out", str(seals)).exit_code == 0

    _edit_march(service, with_hash=True)
    alone = run("verify")
    assert alone.exit_code == 1
    assert "statistics release 2025-03: its row's MAC does not match" in alone.output
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1
    assert "statistics release 2025-03: its recorded hash differs from the sealed one" in result.output
