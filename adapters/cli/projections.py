"""``breachtrail projections``: see, follow and rebuild the read side."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import SQLAlchemyError

from adapters.composition import build_case_service, close_case_service
from adapters.config import ConfigurationError, Settings
from service.cases import CaseService
from service.projections import DEFAULT_BATCH_SIZE, REBUILD_TRANSACTION, CaseListProjection


@contextmanager
def open_service() -> Iterator[CaseService]:
    """The service on BREACHTRAIL_DATABASE_URL, with configuration errors as clean messages."""
    try:
        settings = Settings.from_environ()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    try:
        service = build_case_service(settings)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    except (PersistenceError, SQLAlchemyError) as error:
        raise click.ClickException(f"the database does not answer: {error.__class__.__name__}") from None
    try:
        yield service
    finally:
        close_case_service(service)


@contextmanager
def _projection() -> Iterator[CaseListProjection]:
    with open_service() as service:
        assert service.case_list_projection is not None
        yield service.case_list_projection


@click.group()
def projections() -> None:
    """The read side (case list, statistics facts): status, follow the log, rebuild."""


@projections.command()
def status() -> None:
    """Show each projection's position in the event log and how far behind it is."""
    with _projection() as projection:
        current = projection.status()
    click.echo(f"{'projection':<12} {'position':>10} {'head':>10} {'lag':>8}")
    click.echo(f"{current.name:<12} {current.position:>10} {current.head:>10} {current.lag:>8}")


@projections.command()
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=DEFAULT_BATCH_SIZE, show_default=True,
              help=f"Events read from the log at a time; {REBUILD_TRANSACTION:,} (or a batch, if more) are folded "
                   "to a transaction.")
def rebuild(batch_size: int) -> None:
    """Empty the read tables and fold every event into them again, from the events alone."""
    with _projection() as projection:
        head = projection.status().head
        started = time.monotonic()
        with click.progressbar(length=head, label="rebuilding case list", show_pos=True,
                               show_eta=True) as bar:
            done = projection.rebuild(batch_size=batch_size, progress=bar.update)
        seconds = time.monotonic() - started
        click.echo(f"rebuilt from {done} events in {seconds:.1f} s; position {projection.status().position}")


@projections.command()
@click.option("--interval", type=click.FloatRange(0.05, 3600), default=1.0, show_default=True,
              help="Seconds between looks at the log when it is quiet.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=DEFAULT_BATCH_SIZE, show_default=True)
@click.option("--once", is_flag=True, help="Catch up and stop, instead of following the log.")
def run(interval: float, batch_size: int, once: bool) -> None:
    """Follow the event log and keep the read side up to date (one such process per database)."""
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with _projection() as projection:
        click.echo(f"following the event log from position {projection.status().position}")
        while not stopping:
            done = projection.catch_up(batch_size=batch_size)
            if done:
                click.echo(f"folded {done} events; position {projection.status().position}")
            if once:
                break
            time.sleep(interval)
    click.echo("stopped")
