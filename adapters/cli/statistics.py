"""``breachtrail statistics``: release the statistics of months that have ended, list releases.

Releasing is idempotent: a month released once keeps that release, so running the command
again (by hand, from cron, or after a restore) changes nothing it has already published.
"""

from __future__ import annotations

import click

from adapters.cli.projections import open_service
from domain.errors import InvalidCaseData
from service.statistics_release import ReleaseRecord
from service.statistics_use_cases import StatisticsNotReady


@click.group()
def statistics() -> None:
    """Released statistics tables: what representatives can see."""


@statistics.command()
@click.option("--period", metavar="YYYY-MM", help="Release this month only.")
@click.option("--through", metavar="YYYY-MM",
              help="Release every unreleased month with changes up to this one (default: every month that has ended).")
def release(period: str | None, through: str | None) -> None:
    """Release closed months (idempotent); each release is stored with its hash and never revised."""

    def shown(record: ReleaseRecord, made: bool) -> None:
        state = "released" if made else "already released"
        click.echo(f"{record.period}  {state:<16}  {record.hash}")

    with open_service() as service:
        try:
            done = service.release_statistics(None, period=period, through=through, progress=shown)
        except InvalidCaseData as error:
            messages = (f"--{field}: {' '.join(m)}" for field, m in error.errors.items())
            raise click.UsageError("; ".join(messages)) from None
        except StatisticsNotReady as error:
            raise click.ClickException(str(error)) from None
        made = sum(1 for _, now in done if now)
        if not done:
            click.echo(f"nothing to release: no unreleased month with changes up to "
                       f"{through or service.last_releasable_month().strftime('%Y-%m')}")
        else:
            click.echo(f"{made} month(s) released now, {len(done) - made} released before")


@statistics.command()
def releases() -> None:
    """List every release: month, when, by whom, and the hash of its table."""
    with open_service() as service:
        found = service.statistics_releases_for_operator()
    if not found:
        click.echo("no month has been released yet")
        return
    click.echo(f"{'period':<8} {'released at (UTC)':<20} {'released by':<24} hash")
    for record in found:
        click.echo(f"{record.period:<8} {record.released_at:%Y-%m-%d %H:%M:%S}  {record.released_by:<24} {record.hash}")
