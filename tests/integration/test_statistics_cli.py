"""``breachtrail statistics release`` and ``releases``: idempotent, with progress, clear refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime

from click.testing import CliRunner

from adapters.cli import main
from tests.scenarios import HR, REP, report
from tests.time_travel import COPENHAGEN, time_machine  # noqa: F401  (fixture)


def test_the_operator_releases_ended_months_once_and_lists_them(make_service, time_machine, database_url):  # noqa: F811
    time_machine.now = datetime(2025, 3, 10, 12, tzinfo=COPENHAGEN).astimezone(UTC)
    service = make_service(clock=time_machine)
    for _ in range(5):
        report(service, HR, unit="skoler", occurred_on=date(2025, 3, 1))
    time_machine.now = datetime(2025, 5, 10, 12, tzinfo=COPENHAGEN).astimezone(UTC)
    for _ in range(5):
        report(service, HR, unit="skoler", occurred_on=date(2025, 5, 1))
    runner = CliRunner()
    env = {"BREACHTRAIL_DATABASE_URL": database_url}

    first = runner.invoke(main, ["statistics", "release", "--through", "2025-04"], env=env)
    assert first.exit_code == 0, first.output
    assert "2025-03  released" in first.output and "2025-04  released" in first.output
    assert "2025-05" not in first.output and "2 month(s) released now" in first.output

    again = runner.invoke(main, ["statistics", "release", "--period", "2025-03"], env=env)
    assert again.exit_code == 0 and "2025-03  already released" in again.output

    everything = runner.invoke(main, ["statistics", "release"], env=env)
    assert everything.exit_code == 0 and "2025-05  released" in everything.output

    listed = runner.invoke(main, ["statistics", "releases"], env=env)
    assert listed.exit_code == 0
    periods = [line.split()[0] for line in listed.output.splitlines()[1:]]
    # Every ended month from the first with changes is released, empty ones too: coverage without gaps.
    assert periods[:4] == ["2025-03", "2025-04", "2025-05", "2025-06"] and periods == sorted(set(periods))
    assert "operator" in listed.output
    months = {row.values["month"]: row.count for row in service.statistics(REP, group_by=["month"]).rows}
    assert months == {"2025-03": 5, "2025-05": 5}


def test_a_bad_or_open_month_is_refused_and_releases_nothing(make_service, database_url):
    make_service()
    runner = CliRunner()
    env = {"BREACHTRAIL_DATABASE_URL": database_url}
    for args, message in ((["--period", "2026-13"], "--period: must be a month"),
                          (["--through", "9999-12"], "--through: 9999-12 has not ended"),
                          (["--period", "1999-12"], "must not lie before 2000-01")):
        result = runner.invoke(main, ["statistics", "release", *args], env=env)
        assert result.exit_code == 2 and message in result.output, result.output
    listed = runner.invoke(main, ["statistics", "releases"], env=env)
    assert "no month has been released yet" in listed.output
