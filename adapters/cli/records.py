"""``breachtrail export`` and ``breachtrail retention``: case files out, and erasure by policy.

Both read cases, so both are in the access log: an export as ``cli:<login>`` (the operating
system user who ran it), the sweep as ``system:retention-sweep``; both with HR's rights. Neither
can be mistaken for a user of the API, whose ids hold no colon.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from uuid import UUID

import click

from adapters.archive.case_file_text import render_case_file
from adapters.archive.case_files import case_file_document, case_file_json
from adapters.archive.directory import DirectoryArchive, write_replacing
from adapters.cli.projections import open_service
from adapters.config import ConfigurationError, Settings
from domain.values import Role
from service.case_queries import LOCAL_TIMEZONE
from service.errors import CaseNotFound
from service.retention import SYSTEM_ACTOR, DueCase, RetentionPolicy, due_cases, sweep
from service.users import User


@click.command("export")
@click.argument("case_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to FILE (replaced in one step) instead of standard output.")
@click.option("--format", "format_", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="json: the case file as GET /cases/<id>/export answers it; markdown: a reading copy.")
def export(case_id: str, output: Path | None, format_: str) -> None:
    """Export the complete case file of CASE_ID: the case, its history, its access log and chain links."""
    try:
        case_uuid = UUID(case_id)
    except ValueError:
        raise click.BadParameter("not a case id (a UUID)", param_hint="CASE_ID") from None
    with open_service() as service:
        try:
            case_file = service.export_case(_operator(), case_uuid)
        except CaseNotFound as error:
            raise click.ClickException(str(error)) from None
    text = case_file_json(case_file) if format_ == "json" else render_case_file(case_file_document(case_file))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_replacing(output, text)
    except OSError as error:
        raise click.ClickException(f"{output}: {error.strerror or error}") from None
    click.echo(f"case file of {case_id} written to {output}", err=True)


@click.group()
def retention() -> None:
    """Erase the personal data of closed cases whose retention has run out, archiving first."""


@retention.command("due")
def list_due() -> None:
    """List the closed cases whose retention has run out (changes nothing)."""
    policy = _policy()
    with open_service() as service:
        due = due_cases(service, policy)
    _show_due(due, policy)


@retention.command("sweep")
@click.option("--archive-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where the case files are written before erasure (made if missing).")
@click.option("--dry-run", is_flag=True, help="List what would be archived and erased; change nothing.")
def sweep_command(archive_dir: Path, dry_run: bool) -> None:
    """Archive the case file of each due case (JSON and Markdown), then erase its personal data.

    A case whose file cannot be archived is not erased. Running it again is harmless: erased
    cases are no longer due, and a case file already archived is checked, never overwritten.
    Exits 1 if any due case was skipped, saying why.
    """
    policy = _policy()
    archive = DirectoryArchive(archive_dir)
    with open_service() as service:
        due = due_cases(service, policy)
        _show_due(due, policy)
        if dry_run:
            click.echo(f"dry run: {len(due)} due; would archive them in {archive_dir}, then erase them. "
                       "Nothing was changed.")
            return
        if not due:
            click.echo("summary: 0 due, 0 archived, 0 erased, 0 skipped")
            return
        with click.progressbar(length=len(due), label="archiving, then erasing", show_pos=True) as bar:
            summary = sweep(service, due, archive, policy, progress=bar.update)
    for case_id, why in summary.skipped:
        click.echo(f"skipped {case_id}: {why}", err=True)
    click.echo(f"summary: {summary.due} due, {summary.archived} archived, {summary.erased} erased, "
               f"{len(summary.skipped)} skipped (archive: {archive_dir}; acting as {SYSTEM_ACTOR.id})")
    if summary.skipped:
        raise SystemExit(1)


def _show_due(due: list[DueCase], policy: RetentionPolicy) -> None:
    click.echo(f"retention policy: {policy} (from closure; BREACHTRAIL_RETENTION)")
    if not due:
        click.echo("no case is due")
        return
    click.echo(f"{'CASE':<36}  {'UNIT':<20}  {'OUTCOME':<10}  {'CLOSED':<10}  DUE")
    for case in due:
        click.echo(f"{case.case_id!s:<36}  {case.unit:<20}  {case.outcome:<10}  "
                   f"{case.closed_at.astimezone(LOCAL_TIMEZONE).date().isoformat():<10}  {case.due_on.isoformat()}")


def _policy() -> RetentionPolicy:
    try:
        return Settings.from_environ().retention
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


def _operator() -> User:
    """Who runs this command, as the access log records it."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    # Access log ids are at most 64 characters.
    return User(f"cli:{login}"[:64], Role.HR)


def register(main: click.Group) -> None:
    main.add_command(export)
    main.add_command(retention)
