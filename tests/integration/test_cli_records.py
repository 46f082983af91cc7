"""``breachtrail export`` and ``breachtrail retention`` as an administrator runs them."""

from __future__ import annotations

import functools
import json
import uuid
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result

from adapters.cli import main
from adapters.composition import build_case_service
from domain.values import Outcome, Status
from tests.scenarios import HR, MANAGER, MovableClock, case_id, case_in, report


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def service(make_service, clock):
    return make_service(clock=clock)


@pytest.fixture
def run(database_url, clock, monkeypatch):
    """Run a command line on the test's database, with the test's clock."""
    monkeypatch.setattr("adapters.cli.projections.build_case_service",
                        functools.partial(build_case_service, clock=clock))
    runner = CliRunner()

    def run_command(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(main, list(args), env={"BREACHTRAIL_DATABASE_URL": database_url, **(env or {})})

    return run_command


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def closed(service, outcome: Outcome = Outcome.DISMISSED):
    cid = case_id(report(service))
    service.close_case(MANAGER, cid, outcome=outcome, reason="Closed for the test.")
    return cid


def test_export_writes_the_case_file_as_the_api_serves_it(service, run, tmp_path):
    cid = case_in(service, Status.WARNING_ISSUED)
    output = tmp_path / "case.json"

    result = _ok(run("export", str(cid), "--output", str(output)))

    document = json.loads(output.read_text())
    assert str(output) in result.output
    assert document["case"]["id"] == str(cid) and document["case"]["employee"]["name"] == "Jane Doe"
    assert len(document["history"]) == document["case"]["version"] == len(document["chain"])
    reader = document["access_log"][-1]
    assert reader["read"] == "export" and reader["user"]["id"].startswith("cli:") and reader["user"]["role"] == "hr"
    assert document["export"]["exported_by"] == reader["user"]
    assert service.read_access_log(HR, cid)[-2].user == reader["user"]


def test_export_to_standard_output_as_json_or_markdown(service, run):
    cid = case_in(service, Status.ASSESSED)

    as_json = json.loads(_ok(run("export", str(cid))).output)
    as_text = _ok(run("export", str(cid), "--format", "markdown")).output

    assert as_json["case"]["status"] == "assessed"
    assert as_text.startswith(f"# Case file {cid}")


def test_export_of_an_unknown_or_malformed_case_id_is_a_clear_error(service, run):
    unknown = run("export", str(uuid.uuid4()))
    malformed = run("export", "not-a-uuid")

    assert unknown.exit_code == 1 and "not found" in unknown.output
    assert malformed.exit_code == 2 and "not a case id" in malformed.output
    assert "Traceback" not in unknown.output + malformed.output


def test_a_dry_run_lists_the_due_cases_and_changes_nothing(service, clock, run, tmp_path):
    due = closed(service)
    closed(service, Outcome.RESOLVED)
    clock.now += timedelta(days=367)
    archive = tmp_path / "archive"
    events = service.recorder.max_notification_id()
    reads = service.access_log.entries(str(due))

    result = _ok(run("retention", "sweep", "--archive-dir", str(archive), "--dry-run"))

    assert str(due) in result.output and "dry run: 1 due" in result.output
    assert "Nothing was changed" in result.output
    assert not archive.exists()
    assert service.recorder.max_notification_id() == events
    assert not service.key_ring.is_destroyed(due)
    assert service.access_log.entries(str(due)) == reads


def test_retention_due_lists_without_acting(service, clock, run):
    due = closed(service)
    clock.now += timedelta(days=367)
    events = service.recorder.max_notification_id()

    result = _ok(run("retention", "due"))

    assert "dismissed=1y,resolved=5y,sanctioned=5y,referred=5y" in result.output
    assert str(due) in result.output
    assert service.recorder.max_notification_id() == events


def test_the_sweep_archives_erases_and_sums_up_and_running_it_again_does_nothing(service, clock, run, tmp_path):
    due = closed(service)
    kept = closed(service, Outcome.SANCTIONED)
    clock.now += timedelta(days=367)
    archive = tmp_path / "archive"

    first = _ok(run("retention", "sweep", "--archive-dir", str(archive)))
    second = _ok(run("retention", "sweep", "--archive-dir", str(archive)))

    assert "summary: 1 due, 1 archived, 1 erased, 0 skipped" in first.output
    assert "summary: 0 due, 0 archived, 0 erased, 0 skipped" in second.output
    assert sorted(p.suffix for p in archive.iterdir()) == [".json", ".md"]
    assert service.get_case(HR, due).personal_data_erased
    assert not service.get_case(HR, kept).personal_data_erased


def test_the_policy_comes_from_the_environment_and_nonsense_stops_the_sweep(service, clock, run, tmp_path):
    cid = closed(service, Outcome.SANCTIONED)
    clock.now += timedelta(days=40)
    short = {"BREACHTRAIL_RETENTION": "dismissed=1y,resolved=5y,sanctioned=30d,referred=never"}

    assert str(cid) in _ok(run("retention", "due", env=short)).output
    refused = run("retention", "sweep", "--archive-dir", str(tmp_path / "a"),
                  env={"BREACHTRAIL_RETENTION": "sanctioned=forever"})

    assert refused.exit_code == 1 and "BREACHTRAIL_RETENTION" in refused.output
    assert not (tmp_path / "a").exists()


def test_a_sweep_that_skips_a_case_says_why_and_fails(service, clock, run, tmp_path):
    cid = closed(service)
    clock.now += timedelta(days=367)
    (tmp_path / "a-file").write_text("in the way")

    result = run("retention", "sweep", "--archive-dir", str(tmp_path / "a-file" / "archive"))

    assert result.exit_code == 1
    assert f"skipped {cid}: not archived, so not erased" in result.output
    assert "summary: 1 due, 0 archived, 0 erased, 1 skipped" in result.output
    assert not service.get_case(HR, cid).personal_data_erased
