"""Back up, erase, restore: the erased case stays erased, the others come back whole.

The erasure ledger (ids and times, outside the database) makes a restore erase again what
was erased after the backup was taken. Without a backup window, even a restore that skips
the ledger cannot bring the erased data back: the epoch key that opens it is destroyed.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from adapters.cli import main
from adapters.composition import build_case_service, close_case_service
from adapters.config import Settings, generate_master_key, parse_master_key
from adapters.sql.key_epochs import EpochKeyFiles, EpochKeyMissing
from adapters.sql.keys import case_keys
from tests.databases import _libpq_dsn
from tests.integration.test_erasure_at_rest import SECRETS, _leaks, build_case
from tests.scenarios import HR, case_id, report


@pytest.fixture
def master_key() -> str:
    return generate_master_key()


@pytest.fixture
def run(database_url, master_key):
    def invoke(*args: str, window: int = 30, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, env={
            "BREACHTRAIL_DATABASE_URL": database_url, "BREACHTRAIL_MASTER_KEY": master_key,
            "BREACHTRAIL_BACKUP_WINDOW_DAYS": str(window)})
    return invoke


def _service(database_url, master_key, key_dir, window=30):
    return build_case_service(Settings(database_url=database_url, master_key=parse_master_key(master_key),
                                       key_dir=key_dir, backup_window_days=window))


def _empty(database_url: str) -> None:
    """What an operator does before a restore: the database emptied (stopped service, fresh database)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return  # the file is replaced
    schema = url.query["options"].split("search_path=", 1)[1]  # type: ignore[union-attr]
    plain = url.set(drivername="postgresql").difference_update_query(["options"])
    with psycopg.connect(_libpq_dsn(plain.render_as_string(hide_password=False)), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')


def _epoch_of(database_url: str, cid: UUID) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(select(case_keys.c.epoch).where(case_keys.c.case_id == str(cid))).scalar())
    finally:
        engine.dispose()


def test_a_restore_erases_again_what_was_erased_after_the_backup(database_url, master_key, key_dir, run, tmp_path):
    service = _service(database_url, master_key, key_dir)
    erased = build_case(service)
    kept = case_id(report(service, employee_name="Karen Beholdt"))
    backup = tmp_path / "nightly.backup"

    made = run("backup", str(backup))
    assert made.exit_code == 0, made.output
    assert f"backed up to {backup}" in made.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600 and backup.stat().st_size > 0

    service.erase_personal_data(HR, erased, reason="Retention over; archived first.")
    close_case_service(service)
    ledger = (key_dir / "erasures.jsonl").read_text()
    assert [json.loads(line)["id"] for line in ledger.splitlines()] == [str(erased)]
    assert _leaks(ledger) == [] and stat.S_IMODE((key_dir / "erasures.jsonl").stat().st_mode) == 0o600

    _empty(database_url)
    restored = run("restore", str(backup), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"erased again: {erased} (case erased, by system:restore)" in restored.output
    assert "1 erasures made again from the ledger" in restored.output

    service = _service(database_url, master_key, key_dir)
    try:
        case = service.get_case(HR, erased)
        assert case.personal_data_erased and case.employee is None
        assert service.key_ring.is_destroyed(erased)
        last = service.history(HR, erased)[-1]
        assert last.type == "PersonalDataErased" and last.actor["id"] == "system:restore"
        assert _leaks(repr(service.history(HR, erased)) + repr(case)) == []
        assert service.get_case(HR, kept).employee["name"] == "Karen Beholdt"
    finally:
        close_case_service(service)
    verified = run("verify")
    assert verified.exit_code == 0, verified.output

    # Restoring the same backup again erases it again; the ledger still holds the one case.
    _empty(database_url)
    assert "erased again: " + str(erased) in run("restore", str(backup), "--yes").output


def test_without_a_backup_window_an_old_backup_cannot_open_the_erased_case_even_without_the_ledger(
    database_url, master_key, key_dir, run, tmp_path
):
    service = _service(database_url, master_key, key_dir, window=0)
    erased = build_case(service)
    backup = tmp_path / "nightly.backup"
    assert run("backup", str(backup), window=0).exit_code == 0
    epoch_in_backup = _epoch_of(database_url, erased)
    service.erase_personal_data(HR, erased, reason="Retention over.")
    close_case_service(service)
    (key_dir / "erasures.jsonl").unlink()  # the ledger lost too

    _empty(database_url)
    restored = run("restore", str(backup), "--yes", window=0)
    assert restored.exit_code == 1
    assert "cannot be opened" in restored.output and epoch_in_backup in restored.output
    # The backup's copy of the case key is wrapped under an epoch whose key is gone.
    assert _epoch_of(database_url, erased) == epoch_in_backup
    with pytest.raises(EpochKeyMissing):
        EpochKeyFiles(key_dir, parse_master_key(master_key)).load(epoch_in_backup)
    assert SECRETS["name"] not in restored.output


def test_restore_asks_first_and_refuses_what_is_not_a_backup(database_url, master_key, key_dir, run, tmp_path):
    service = _service(database_url, master_key, key_dir)
    cid = case_id(report(service))
    close_case_service(service)
    backup = tmp_path / "nightly.backup"
    assert run("backup", str(backup)).exit_code == 0

    declined = run("restore", str(backup), input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    refused = run("restore", str(not_a_backup), "--yes")
    assert refused.exit_code == 1 and "is not a" in refused.output
    if make_url(database_url).get_backend_name() == "postgresql":
        full = run("restore", str(backup), "--yes")
        assert full.exit_code == 1 and "not empty" in full.output
    service = _service(database_url, master_key, key_dir)
    try:
        assert service.get_case(HR, cid).employee is not None  # nothing was changed
    finally:
        close_case_service(service)


def test_the_ledger_catches_up_with_keys_destroyed_outside_a_case_erasure(database_url, master_key, key_dir, run,
                                                                          tmp_path):
    service = _service(database_url, master_key, key_dir)
    cid = case_id(report(service))
    service.key_ring.destroy(cid)  # as an employee's erasure does, in its own transaction
    close_case_service(service)
    assert not (key_dir / "erasures.jsonl").exists()
    assert run("backup", str(tmp_path / "b")).exit_code == 0
    assert str(cid) in Path(key_dir / "erasures.jsonl").read_text()
