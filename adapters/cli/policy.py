"""``breachtrail policy``: import a policy text, list the policies, print a version's text.

A text file in the policy Markdown format (``domain/policies/tandplejen-udkast-2026.md`` is one)
becomes a new policy, or the next version of the policy whose key it carries. The rest of a
policy's steps (consultation, approval, force) are taken over the API, where who did them is a
user of the service. The command acts as ``cli:<login>`` with HR's rights, like ``export``.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import SQLAlchemyError

from adapters.composition import build_policy_service
from adapters.config import ConfigurationError, Settings
from domain.errors import DomainError, InvalidCaseData
from domain.policy import parse_text
from domain.policy_text import render_policy_text
from domain.values import Role
from service.errors import ServiceError
from service.policies import PolicyService
from service.users import User


def cli_user() -> User:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return User(f"cli:{login}"[:64], Role.HR)


@contextmanager
def open_policies() -> Iterator[PolicyService]:
    """The policies on BREACHTRAIL_DATABASE_URL; refusals and database trouble as one-line errors."""
    try:
        service = build_policy_service(Settings.from_environ())
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    except (PersistenceError, SQLAlchemyError) as error:
        raise click.ClickException(f"the database does not answer: {error.__class__.__name__}") from None
    try:
        yield service
    except InvalidCaseData as error:
        raise click.ClickException("; ".join(f"{f}: {' '.join(m)}" for f, m in error.errors.items())) from None
    except (DomainError, ServiceError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine = getattr(getattr(service.factory, "datastore", None), "engine", None)
        service.close()
        if engine is not None:
            engine.dispose()


@click.group()
def policy() -> None:
    """The policy's texts and versions."""


@policy.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "scope_unit", metavar="UNIT", help="A policy of this unit only (default: the whole area).")
@click.option("--based-on", metavar="ID:VERSION", help="The policy version this new one builds on.")
def import_text(file: Path, scope_unit: str | None, based_on: str | None) -> None:
    """Import FILE: a new policy, or the next version of the policy with the text's key."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file}: {error}") from None
    base_id, base_version = None, None
    if based_on is not None:
        base_id, _, number = based_on.rpartition(":")
        if not base_id or not number.isdigit() or int(number) < 1:
            raise click.BadParameter("write it as <policy id>:<version>, e.g. tandplejen-udkast-2026:1",
                                     param_hint="--based-on")
        base_version = int(number)
    user = cli_user()
    with open_policies() as service:
        key = _key_of(text)  # inside: a text out of format is a clean error
        existing = {p["id"] for p in service.list_policies(user)}
        if key in existing:
            if scope_unit or based_on:
                raise click.ClickException(f"policy {key} exists: a new version keeps its scope and origin")
            answer = service.revise(user, key, text=text)
            click.echo(f"policy {key}: version {answer['latest_version']} drafted")
        else:
            answer = service.draft(user, text=text, scope_unit=scope_unit, based_on_policy=base_id,
                                   based_on_version=base_version)
            click.echo(f"policy {key}: drafted, version 1")


@policy.command("list")
def list_policies() -> None:
    """Every policy, its scope, its latest version and the version in force today."""
    with open_policies() as service:
        rows = service.list_policies(cli_user())
    click.echo(f"{'policy':40} {'scope':16} {'latest':>6} {'in force':>8}")
    for row in rows:
        in_force = "-" if row["version_in_force"] is None else str(row["version_in_force"])
        click.echo(f"{row['id']:40} {row['scope']['unit'] or 'area':16} {row['latest_version']:>6} {in_force:>8}")


@policy.command("text")
@click.argument("policy_id")
@click.argument("version", type=click.IntRange(min=1))
def show_text(policy_id: str, version: int) -> None:
    """Print version VERSION of POLICY_ID in the policy Markdown format (what ``import`` reads)."""
    with open_policies() as service:
        text = service.version_text(cli_user(), policy_id, version)
    click.echo(render_policy_text(text), nl=False)


def _key_of(text: str) -> str:
    return parse_text(text).key
