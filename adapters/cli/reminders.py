"""``breachtrail reminders`` and ``breachtrail calendar``: mail the due reminders, link calendar feeds.

``reminders send`` is meant for a daily timer (docs/DEPLOYMENT.md). It prints what it will
send, a progress bar and a summary, and exits 1 when a mail failed, so the timer's unit
shows the failure too; HR sees every run's outcome through the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import SQLAlchemyError

from adapters.composition import (
    UserContacts,
    UserError,
    build_case_service,
    build_reminders,
    build_user_contacts,
    close_case_service,
)
from adapters.config import ConfigurationError, Settings
from service.reminders import Reminders, RemindersNotConfigured, RunSummary


@contextmanager
def _open() -> Iterator[tuple[Settings, Reminders, UserContacts]]:
    try:
        settings = Settings.from_environ()
        service = build_case_service(settings)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    except (PersistenceError, SQLAlchemyError) as error:
        raise click.ClickException(f"the database does not answer: {error.__class__.__name__}") from None
    try:
        yield settings, build_reminders(service, settings), build_user_contacts(service, settings)
    except UserError as error:
        raise click.ClickException(str(error)) from None
    finally:
        close_case_service(service)


@click.group()
def reminders() -> None:
    """Mail each user a digest of the deadlines that became due since their last one."""


@reminders.command("send")
@click.option("--dry-run", is_flag=True, help="Say what would be mailed; send and record nothing.")
def send(dry_run: bool) -> None:
    """Send every due reminder not sent before: one mail per user, each reminder once."""
    with _open() as (_settings, reminders_, _contacts):
        bar: list[click.progressbar[int]] = []

        def start(plan: RunSummary) -> None:
            click.echo(f"{plan.users} users with an address; {plan.reminders} reminders in {plan.digests} mails"
                       + (f" ({plan.resent} from an unfinished run, sent again)" if plan.resent else ""))
            if not dry_run and plan.digests:
                bar.append(click.progressbar(length=plan.digests, label="mailing", show_pos=True))
                bar[0].__enter__()

        try:
            summary = reminders_.send(dry_run=dry_run, on_plan=start,
                                      progress=lambda n: bar[0].update(n) if bar else None)
        except RemindersNotConfigured as error:
            raise click.ClickException(f"{error} (or use --dry-run)") from None
        finally:
            if bar:
                bar[0].__exit__(None, None, None)
    if dry_run:
        click.echo(f"dry run: would send {summary.reminders} reminders in {summary.digests} mails. Nothing was sent.")
        return
    for failure in summary.failures:
        click.echo(f"failed: {failure}", err=True)
    click.echo(f"summary: {summary.sent} mails sent with {summary.sent_reminders} reminders, "
               f"{len(summary.failures)} failed")
    if summary.failures:
        raise SystemExit(1)


@reminders.command("runs")
@click.option("--limit", type=click.IntRange(1, 200), default=10, show_default=True)
def runs(limit: int) -> None:
    """The latest runs and how they went, newest first."""
    with _open() as (_settings, reminders_, _contacts):
        found = reminders_.store.runs(limit)
    if not found:
        click.echo("no run yet")
        return
    for run in found:
        finished = run.finished_at.strftime("%Y-%m-%d %H:%M UTC") if run.finished_at else "-"
        click.echo(f"{run.id:>5}  {run.started_at:%Y-%m-%d %H:%M UTC}  {finished:<20}  {run.outcome:<11}  "
                   f"{run.digests_sent} mails, {run.reminders_sent} reminders, {run.failures} failed"
                   + (f"  ({run.problem})" if run.problem else ""))


@click.group()
def calendar() -> None:
    """Calendar feeds of a user's deadlines (for Outlook and the like)."""


@calendar.command("link")
@click.argument("user_id")
def link(user_id: str) -> None:
    """Print a new address of the user's calendar feed; an earlier address stops working."""
    with _open() as (settings, _reminders, contacts):
        secret = contacts.link_calendar(user_id)
    click.echo(f"calendar feed of '{user_id}' (shown once; anyone with the address sees the deadlines):")
    click.echo(f"{settings.public_url}/calendar/{secret}.ics")


@calendar.command("revoke")
@click.argument("user_id")
def revoke(user_id: str) -> None:
    """Stop the user's calendar feed at once."""
    with _open() as (_settings, _reminders, contacts):
        had = contacts.revoke_calendar(user_id)
    click.echo(f"calendar feed of '{user_id}' revoked" if had else f"'{user_id}' had no calendar feed")
