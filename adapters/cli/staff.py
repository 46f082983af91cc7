"""``breachtrail staff``: import a unit's staff list from the HR system's CSV, erase old leavers.

Both act with HR's rights as ``cli:<login>`` (the operating system user who ran them), so the
trail says who imported what; the import is idempotent and shows its plan first.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from adapters.cli.projections import open_service
from adapters.composition import build_staff_service
from adapters.config import ConfigurationError, Settings
from domain.errors import InvalidCaseData
from domain.values import Role, is_unit_slug
from service.staff import StaffConflict
from service.staff_import import ImportPlan, parse_staff_csv
from service.users import User


@click.group()
def staff() -> None:
    """Staff lists: import from the HR system, erase leavers' personal data."""


@staff.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", required=True, help="The unit the file lists (its whole staff).")
@click.option("--dry-run", is_flag=True, help="Show the additions, changes and leavers; store nothing.")
def import_staff(file: Path, unit: str, dry_run: bool) -> None:
    """Import FILE (CSV: employee_ref,name,start_date[,end_date]) as UNIT's staff list.

    Employees of the unit missing from the file are leavers: their end date becomes today.
    Importing the same file again changes nothing.
    """
    if not is_unit_slug(unit):
        raise click.BadParameter("must be a slug of lowercase letters, digits and hyphens", param_hint="--unit")
    try:
        entries = parse_staff_csv(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text; export the file as CSV UTF-8") from None
    except InvalidCaseData as error:
        lines = "\n".join(f"  {field}: {' '.join(messages)}" for field, messages in error.errors.items())
        raise click.ClickException(f"{file}: nothing was imported:\n{lines}") from None
    with open_service() as service:
        staff_service = build_staff_service(service, _settings())
        try:
            plan = staff_service.plan_import(cli_user(), unit, entries)
            _print_plan(plan)
            if dry_run or not plan.steps:
                click.echo("dry run: nothing stored" if dry_run else "nothing to change")
                return
            with click.progressbar(length=plan.steps, label="importing") as bar:
                staff_service.apply_import(cli_user(), plan, progress=bar.update)
        except InvalidCaseData as error:
            raise click.ClickException(str(error)) from None
        except StaffConflict as error:
            raise click.ClickException(f"{error}; run the import again") from None
    click.echo(f"imported: {len(plan.additions)} added, {len(plan.changes)} changed, {len(plan.leavers)} left")


@staff.command("erase-leavers")
@click.option("--reason", default="Left longer ago than the staff retention period.", show_default=True)
@click.option("--dry-run", is_flag=True, help="List who would be erased; erase nothing.")
def erase_leavers(reason: str, dry_run: bool) -> None:
    """Erase the names and references of employees who left more than BREACHTRAIL_STAFF_RETENTION_YEARS ago."""
    with open_service() as service:
        staff_service = build_staff_service(service, _settings())
        due = staff_service.erasable_leavers(cli_user())
        for row in due:
            click.echo(f"{row.unit}\t{row.employee_ref}\tleft {row.end_date}")
        if dry_run:
            click.echo(f"dry run: {len(due)} to erase")
            return
        with click.progressbar(length=len(due), label="erasing") as bar:
            done = staff_service.erase_leavers(cli_user(), reason=reason, progress=bar.update)
    click.echo(f"erased: {done}")


def _print_plan(plan: ImportPlan) -> None:
    for entry in plan.additions:
        click.echo(f"+ {entry.employee_ref}  {entry.name}  from {entry.start_date}")
    for change in plan.changes:
        click.echo(f"~ {change.employee_ref}  {', '.join(change.fields)}")
    for leaver in plan.leavers:
        click.echo(f"- {leaver.employee_ref}  leaves {leaver.end_date}")
    click.echo(f"{plan.unit}: {len(plan.additions)} to add, {len(plan.changes)} to change, "
               f"{len(plan.leavers)} leaving, {plan.unchanged} unchanged")


def _settings() -> Settings:
    try:
        return Settings.from_environ()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


def cli_user() -> User:
    """Who runs the command, as the trail records it: HR's rights, ``cli:<login>``."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return User(f"cli:{login}"[:64], Role.HR)
