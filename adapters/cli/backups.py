"""``breachtrail backup`` and ``breachtrail restore``: a restore never brings erased data back.

``backup`` writes a consistent copy while the service runs. ``restore`` puts a copy back
(the service stopped) and, before anything else uses the database, erases again every case
the erasure ledger (``erasures.jsonl`` beside the epoch keys) says was erased after the copy
was taken; then it checks the event chain.
"""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli.projections import open_service
from adapters.composition import BackupError, LedgerUnreadable, reapply_ledger, restore_database
from adapters.composition import backup as write_backup
from adapters.config import ConfigurationError, Settings


def _settings() -> Settings:
    try:
        return Settings.from_environ()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup(file: Path) -> None:
    """Write a consistent copy of the database to FILE (readable by its owner only).

    Keep FILE apart from the key folder (BREACHTRAIL_KEY_DIR): a backup must not travel with
    the keys that later erasures destroy.
    """
    settings = _settings()
    try:
        write_backup(settings, file, lambda line: click.echo(f"  {line}", err=True))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up to {file} ({file.stat().st_size} bytes)")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the SQLite file / fill the empty database.")
def restore(file: Path, yes: bool) -> None:
    """Put the backup FILE back, then erase again what was erased since it was taken.

    Stop the service first. On SQLite the database file is replaced; on PostgreSQL the
    database must be empty.
    """
    settings = _settings()
    if not yes:
        click.confirm(f"Replace the database at {settings.database_url} with {file}?", abort=True)
    try:
        restore_database(settings.database_url, file, lambda line: click.echo(f"  {line}", err=True))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {file}")
    try:
        with open_service() as service:
            done = reapply_ledger(service, settings)
            assert service.chain is not None
            result = service.chain.verify()
    except LedgerUnreadable as error:
        raise click.ClickException(f"{error}: nothing was erased again; mend the ledger, then restore again") from None
    except click.ClickException as error:
        raise click.ClickException(
            f"the restored database cannot be opened: {error.message}. A backup older than the last erasure "
            "by more than BREACHTRAIL_BACKUP_WINDOW_DAYS cannot be read: its epoch key is destroyed") from None
    for item in done:
        click.echo(f"erased again: {item.id} ({item.how}, by system:restore)")
    click.echo(f"{len(done)} erasures made again from the ledger")
    if result.broken is not None:
        raise click.ClickException(f"the restored event chain is broken at event {result.broken.notification_id}: "
                                   f"{result.broken.problem}")
    click.echo(f"ok: {result.checked} events verified")
