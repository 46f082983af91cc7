"""The master key: the wrong one is refused at start-up, never mistaken for tampering."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from adapters.cli import main
from adapters.config import ConfigurationError, parse_master_key
from tests.scenarios import HR, case_id, report


def test_a_service_started_with_another_master_key_refuses_to_run(make_service):
    first = make_service(master_key=b"a" * 32)
    cid = case_id(report(first))
    with pytest.raises(ConfigurationError, match="master key"):
        make_service(master_key=b"b" * 32)
    assert make_service(master_key=b"a" * 32).get_case(HR, cid).employee is not None


def test_the_command_line_says_so_instead_of_reporting_tampering(make_service, database_url, monkeypatch):
    report(make_service(master_key=b"a" * 32))
    runner = CliRunner()
    monkeypatch.setenv("BREACHTRAIL_DATABASE_URL", database_url)
    new_key = runner.invoke(main, ["keys", "generate"]).output.strip()
    assert len(parse_master_key(new_key)) == 32
    monkeypatch.setenv("BREACHTRAIL_MASTER_KEY", new_key)
    result = runner.invoke(main, ["verify"])
    assert result.exit_code == 1
    assert "master key" in result.output and "BROKEN" not in result.output
