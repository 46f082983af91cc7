"""An installation upgrades in place: init-db brings an older database up to this release's schema,
and refuses one a newer release has upgraded."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adapters.cli import main
from adapters.composition import SchemaTooNew, build_case_service, close_case_service, code_version
from adapters.config import Settings, parse_master_key
from adapters.http import create_app
from adapters.sql import schema_version
from adapters.sql.schema_version import SCHEMA_VERSION_TABLE, Migration, database_version
from domain.deadlines import case_facts, derive
from domain.values import Outcome, Status
from tests.scenarios import HR, TODAY, case_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RELEASE_1_KEY = "q1YhE9b2mQ5cJmFqG7m0dJ3l1yFQ0bq2m8b9a2l0n3E="
RELEASE_1_CASES = {"0df74633-e9a3-44da-a95b-fafa63272f17": "E-0001", "013c77d1-9a50-4385-8dcf-a2b6535749bc": "E-0002"}


@pytest.fixture
def release_1(tmp_path: Path) -> str:
    """A copy of a database made by the first release, before schema versions were recorded."""
    path = tmp_path / "release-1.sqlite3"
    shutil.copyfile(FIXTURES / "release-1.sqlite3", path)
    return f"sqlite:///{path}"


def init_db(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["init-db"], env={"BREACHTRAIL_DATABASE_URL": url,
                                                         "BREACHTRAIL_MASTER_KEY": RELEASE_1_KEY})
    return result.exit_code, result.output


def version_of(url: str) -> int | None:
    engine = sa.create_engine(url)
    try:
        return database_version(engine)
    finally:
        engine.dispose()


def test_init_db_upgrades_a_database_of_the_first_release_in_place_keeping_every_case(
    release_1: str, key_dir: Path
) -> None:
    assert version_of(release_1) == 0

    code, output = init_db(release_1)

    assert code == 0, output
    assert "applied schema version 1" in output
    assert version_of(release_1) == code_version()
    service = build_case_service(Settings(database_url=release_1, master_key=parse_master_key(RELEASE_1_KEY),
                                          key_dir=key_dir, create_tables=False))
    try:
        for case_id, ref in RELEASE_1_CASES.items():
            assert (service.get_case(HR, UUID(case_id)).employee or {}).get("ref") == ref
        assert service.list_cases(HR).total == 2
        assert service.verify_integrity().ok
        # The list was folded again: its deadlines are the ones the cases' own events give.
        service.clock = lambda: datetime.now(UTC) + timedelta(days=20)
        from_events = sorted(
            (d.subject_id, d.kind.value, d.due_on) for case_id in RELEASE_1_CASES
            for d in derive(case_facts(service._load(UUID(case_id))), service.deadline_rules, service.today())
        )
        assert len(from_events) == 2, "both cases idle"
        assert sorted((d.subject_id, d.kind, d.due_on) for d in service.deadlines(HR)) == from_events
    finally:
        close_case_service(service)


def test_init_db_on_a_current_database_changes_nothing(release_1: str) -> None:
    assert init_db(release_1)[0] == 0
    code, output = init_db(release_1)
    assert code == 0
    assert "applied" not in output
    engine = sa.create_engine(release_1)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT version FROM {SCHEMA_VERSION_TABLE}")).scalars().all()
    engine.dispose()
    assert rows == list(range(1, code_version() + 1))


def test_a_database_upgraded_by_a_newer_release_is_refused_untouched(release_1: str, key_dir: Path) -> None:
    assert init_db(release_1)[0] == 0
    engine = sa.create_engine(release_1)
    with engine.begin() as connection:
        connection.execute(sa.text(f"INSERT INTO {SCHEMA_VERSION_TABLE} VALUES (:v, 'from the future', '2031-01-01')"),
                           {"v": code_version() + 1})
    engine.dispose()

    code, output = init_db(release_1)

    assert code != 0
    assert f"schema is version {code_version() + 1}, newer than this release's {code_version()}" in output
    assert "Traceback" not in output
    with pytest.raises(SchemaTooNew):
        create_app({"SETTINGS": Settings(database_url=release_1, master_key=parse_master_key(RELEASE_1_KEY),
                                         key_dir=key_dir)})


def test_a_later_step_runs_once_in_order_on_an_older_database(release_1: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert init_db(release_1)[0] == 0
    ran: list[int] = []
    later = code_version() + 1

    def add_index(connection: sa.Connection) -> None:
        ran.append(later)
        connection.execute(sa.text("CREATE INDEX case_facts_unit_idx ON case_facts (unit)"))

    monkeypatch.setattr(schema_version, "MIGRATIONS",
                        [*schema_version.MIGRATIONS, Migration(later, "an index on case facts by unit", add_index)])

    first, output = init_db(release_1)
    second, _ = init_db(release_1)

    assert (first, second) == (0, 0)
    assert f"applied schema version {later}: an index on case facts by unit" in output
    assert ran == [later]
    assert version_of(release_1) == later
    engine = sa.create_engine(release_1)
    assert "case_facts_unit_idx" in {index["name"] for index in sa.inspect(engine).get_indexes("case_facts")}
    engine.dispose()


def test_several_processes_starting_together_upgrade_one_database_once_and_all_start(
    database_url: str, tmp_path: Path
) -> None:
    # Two `breachtrail serve` instances (or a deploy's init-db beside one) start at the same time.
    env = {**os.environ, "BREACHTRAIL_DATABASE_URL": database_url, "BREACHTRAIL_MASTER_KEY": RELEASE_1_KEY,
           "BREACHTRAIL_KEY_DIR": str(tmp_path / "keys")}
    command = [str(Path(sys.executable).parent / "breachtrail"), "init-db"]
    processes = [subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(3)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            recorded = connection.execute(sa.text(f"SELECT version FROM {SCHEMA_VERSION_TABLE}")).scalars().all()
    finally:
        engine.dispose()
    assert sorted(recorded) == list(range(1, code_version() + 1))


def test_the_deadline_columns_are_added_and_filled_on_an_older_case_list(make_service, master_key, run,
                                                                        database_url) -> None:
    """A case list of schema version 2 (both databases): init-db adds the columns and folds every row again."""
    service = make_service(master_key=parse_master_key(master_key))
    warned = case_in(service, Status.TALK_HELD)
    service.record_statement(HR, warned, received_on=TODAY, summary="Heard.")
    service.issue_warning(HR, warned, issued_on=TODAY, text="Warned.", valid_until=TODAY + timedelta(days=20))
    service.close_case(HR, warned, outcome=Outcome.SANCTIONED, reason="Warned.")
    idle = case_in(service, Status.ASSESSED)
    assert run("init-db").exit_code == 0  # versions recorded
    engine = sa.create_engine(database_url)  # connections of its own: none has the batch's trigger
    with engine.begin() as connection:  # back to version 2's table
        for index in ("case_summaries_warning_idx", "case_summaries_closed_idx"):
            connection.execute(sa.text(f"DROP INDEX {index}"))
        for column in ("latest_answer_on", "warnings_valid_until", "last_warning_valid_until", "closed_on", "heard"):
            connection.execute(sa.text(f"ALTER TABLE case_summaries DROP COLUMN {column}"))
        connection.execute(sa.text(f"DELETE FROM {SCHEMA_VERSION_TABLE} WHERE version > 2"))
    engine.dispose()

    result = run("init-db")

    assert result.exit_code == 0, result.output
    assert "applied schema version 3" in result.output
    after = make_service(master_key=parse_master_key(master_key))
    assert after.case_list is not None
    rows = after.case_list.rows([str(warned), str(idle)])
    for cid in (warned, idle):
        assert rows[str(cid)].facts() == case_facts(after._load(cid))
    assert rows[str(warned)].warnings_valid_until == (TODAY + timedelta(days=20),)
    assert [d.kind for d in after.deadlines(HR) if d.case_id == str(warned)] == ["warning_expiry"]
    assert run("verify").exit_code == 0
