"""The ``breachtrail`` command line: the schema, the server, users and their tokens."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from eventsourcing.persistence import PersistenceError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from adapters.composition import (
    SYSTEM_CLI,
    USERS_TABLE,
    SchemaTooNew,
    SignIns,
    UnknownUserAccount,
    UserAccount,
    UserAdministration,
    UserContacts,
    UserError,
    UserStore,
    build_case_service,
    build_user_administration,
    build_user_store,
    check_contact,
    close_case_service,
    code_version,
    create_schema,
)
from adapters.config import ConfigurationError, Settings
from adapters.http.server_errors import HEADER_FIELD_SIZE_LIMIT, HEADER_FIELDS_LIMIT, REQUEST_LINE_LIMIT
from domain.values import Role


@click.group()
def main() -> None:
    """breachtrail: case handling for breaches of the social media and communication policy."""


@main.command("init-db")
def init_db() -> None:
    """Create the tables in BREACHTRAIL_DATABASE_URL, or upgrade them in place (harmless when current)."""
    settings = _settings()
    with _database_errors(settings):
        applied = create_schema(settings)
    for step in applied:
        click.echo(f"applied schema version {step}")
    click.echo(f"database ready at schema version {code_version()}: {_redacted(settings.database_url)}")


@main.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", type=click.IntRange(1, 65535), default=lambda: os.environ.get("PORT", "8000"),
              show_default="$PORT or 8000")
@click.option("--workers", type=click.IntRange(1, 64), default=lambda: os.environ.get("WEB_CONCURRENCY", "2"),
              show_default="$WEB_CONCURRENCY or 2")
def serve(host: str, port: int, workers: int) -> None:
    """Check the settings, create or upgrade the schema, then serve the API with gunicorn workers."""
    from adapters.cli.check_config import check

    errors, warnings = check()
    for message in [f"warning: {w}" for w in warnings] + [f"error: {e}" for e in errors]:
        click.echo(message, err=True)
    if errors:
        raise click.ClickException("the settings above must be put right first ('breachtrail check-config')")
    settings = _settings()
    # Tables are created once, here: workers racing to create them on PostgreSQL collide.
    with _database_errors(settings):
        create_schema(settings)
        has_users = bool(_store_accounts(settings))
    click.echo(f"breachtrail on http://{_url_host(host)}:{port} storing in {_redacted(settings.database_url)}")
    if not has_users:
        click.echo(_first_user_hint())
    os.environ["BREACHTRAIL_CREATE_TABLES"] = "no"
    os.environ["BREACHTRAIL_DATABASE_URL"] = settings.database_url
    sys.stdout.flush()
    command = [sys.executable, "-m", "gunicorn", *gunicorn_options(host, port, workers), "wsgi:app"]
    os.execvp(sys.executable, command)


#: gunicorn's default access log line, but the path without its query string (%(U)s, not %(r)s)
#: and no referrer: a token someone put in a URL must not end up in the log.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'


def gunicorn_options(host: str, port: int, workers: int) -> list[str]:
    """The gunicorn settings ``serve`` runs with (the benchmark runs its baseline with them too)."""
    # No --preload: every worker builds its own engine after the fork, sharing no connection.
    options = ["--bind", f"{_url_host(host)}:{port}", "--workers", str(workers), "--access-logfile", "-",
               "--access-logformat", ACCESS_LOG_FORMAT,
               # Requests are read whole before one is handled, so slow clients hold no worker;
               # gunicorn's own refusals (414, 431, 400) and a timed-out request answer problem+json.
               "--worker-class", "adapters.http.buffering_worker.BufferingWorker",
               "--limit-request-line", str(REQUEST_LINE_LIMIT),
               "--limit-request-fields", str(HEADER_FIELDS_LIMIT),
               "--limit-request-field_size", str(HEADER_FIELD_SIZE_LIMIT)]
    if _gunicorn_has_control_socket():
        # Its default path is per user, not per server: two servers would unlink each other's.
        options.append("--no-control-socket")
    return options


@main.group()
def users() -> None:
    """Add, list and revoke users, and give them new tokens."""


@users.command("add")
@click.argument("user_id")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]), help="What the user is.")
@click.option("--unit", "units", multiple=True, metavar="UNIT", help="A unit a manager leads; repeat for several.")
@click.option("--email", help="Where reminders of the user's deadlines are mailed.")
@click.option("--language", type=click.Choice(["da", "en"]), help="The language of the user's reminders (default da).")
def add_user(user_id: str, role: str, units: tuple[str, ...], email: str | None, language: str | None) -> None:
    """Add a user and print their token, which is shown this once only."""
    settings = _settings()
    try:
        check_contact(email, language)  # before anything is stored
    except UserError as error:
        raise click.ClickException(str(error)) from None
    unknown = sorted(set(units) - settings.known_units) if settings.known_units is not None else []
    if unknown:
        raise click.ClickException(
            f"not units of this installation: {', '.join(unknown)} "
            f"(BREACHTRAIL_UNITS lists {', '.join(sorted(settings.known_units or ()))})"
        )
    with _administration(settings, create=True) as administration:
        token = administration.add_user(SYSTEM_CLI, user_id, Role(role), units)
    user_id = user_id.strip().lower()
    with _user_store(settings) as store:
        link = _sign_in_link(settings, store, user_id)
        if email is not None or language is not None:
            contacts = UserContacts(store.engine)
            contacts.create_tables()
            contacts.set_contact(user_id, email=email, language=language)
    click.echo(f"added {role} '{user_id}'" + (f" for {', '.join(sorted(set(units)))}" if units else ""))
    # The token stays alone on the last line (scripts take it with `tail -n 1`), the sign-in link
    # alone on the line before it (`tail -n 2 | head -n 1`).
    click.echo(f"sign-in link for the browser (works once, within 15 minutes), then the token for '{user_id}' "
               "(shown once, store it now; use it as 'Authorization: Bearer <token>'):")
    click.echo(link)
    click.echo(token)


@users.command("list")
def list_users() -> None:
    """Show every user with role, units and status (never a token)."""
    with _user_store(_settings()) as store:
        accounts = store.list_users()
    if not accounts:
        click.echo(_first_user_hint())
        return
    rows = [("USER", "ROLE", "UNITS", "CREATED", "REVOKED")]
    rows += [_account_row(account) for account in accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@users.command("revoke")
@click.argument("user_id")
def revoke_user(user_id: str) -> None:
    """Revoke a user: their token stops working at once."""
    with _administration(_settings()) as administration:
        known = administration.revoke_user(SYSTEM_CLI, user_id)
    if not known:
        raise click.ClickException(f"no user '{user_id}'")
    click.echo(f"revoked '{user_id}': their token no longer works")


@users.command("link")
@click.argument("user_id")
def sign_in_link(user_id: str) -> None:
    """Print a fresh one-time sign-in link for the browser (works once, within 15 minutes)."""
    settings = _settings()
    with _user_store(settings) as store:
        account = store.account(user_id)
        if account is None:
            raise click.ClickException(f"no user '{user_id}'")
        if not account.active:
            raise click.ClickException(f"'{user_id}' is revoked; give them access again with 'users token' first")
        link = _sign_in_link(settings, store, user_id)
    click.echo(f"sign-in link for '{user_id}' (works once, within 15 minutes):")
    click.echo(link)


def _sign_in_link(settings: Settings, store: UserStore, user_id: str) -> str:
    sign_ins = SignIns(store.engine)
    sign_ins.create_tables()
    return f"{settings.public_url}/login/{sign_ins.issue_link(user_id)}"
@users.command("set-email")
@click.argument("user_id")
@click.argument("email")
@click.option("--language", type=click.Choice(["da", "en"]), help="Also set the language of their reminders.")
def set_email(user_id: str, email: str, language: str | None) -> None:
    """Set where the user's reminders are mailed (and, optionally, in which language)."""
    with _user_store(_settings()) as store:
        contacts = UserContacts(store.engine)
        contacts.create_tables()
        contacts.set_contact(user_id, email=email, language=language)
        _, current_language = contacts.contact(user_id)
    click.echo(f"reminders for '{user_id}' go to {email}, in {current_language}")


@users.command("token")
@click.argument("user_id")
def rotate_token(user_id: str) -> None:
    """Give a user a new token (shown once); the old one stops working, and a revoked user is let back in."""
    with _administration(_settings()) as administration:
        token = administration.issue_token(SYSTEM_CLI, user_id)
    click.echo(f"new token for '{user_id}' (shown once, store it now; the previous token no longer works):")
    click.echo(token)


@users.command("history")
@click.argument("user_id")
def user_history(user_id: str) -> None:
    """Every change of a user's access: who granted or revoked what, and when."""
    with _administration(_settings()) as administration:
        entries = administration.user_history(user_id)
    if not entries:
        raise click.ClickException(f"no grants recorded for '{user_id}'")
    for entry in entries:
        details = ", ".join(f"{key}={value}" for key, value in sorted(entry.data.items()) if key != "user_id")
        click.echo(f"{_minute(entry.at)}  {entry.type:<12} by {entry.actor['id']} ({entry.actor['role']})"
                   + (f"  {details}" if details else ""))


@contextmanager
def _administration(settings: Settings, *, create: bool = False) -> Iterator[UserAdministration]:
    """User administration on the event store, its errors as clean CLI errors."""
    if not create:
        with _user_store(settings):
            pass  # says "run init-db first" when there are no tables yet
    with _database_errors(settings):
        service = build_case_service(settings)
        try:
            try:
                yield build_user_administration(service, build_user_store(service, settings))
            except (UserError, UnknownUserAccount) as error:
                raise click.ClickException(str(error)) from None
        finally:
            close_case_service(service)


def _settings() -> Settings:
    try:
        return Settings.from_environ()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _database_errors(settings: Settings) -> Iterator[None]:
    """Turn a database that cannot be reached or used into a one-line error, not a traceback."""
    try:
        yield
    except (ConfigurationError, SchemaTooNew) as error:
        raise click.ClickException(str(error)) from None
    except (SQLAlchemyError, PersistenceError) as error:
        cause = getattr(error, "orig", None) or error.__cause__ or error
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        raise click.ClickException(f"database {_redacted(settings.database_url)}: {reason}") from None


@contextmanager
def _user_store(settings: Settings, *, create: bool = False) -> Iterator[UserStore]:
    """A ``UserStore`` on its own engine, disposed afterwards; its errors become clean CLI errors."""
    engine = sa.create_engine(settings.database_url, pool_pre_ping=True)
    try:
        with _database_errors(settings):
            store = UserStore(engine)
            if create:
                store.create_tables()
            elif not sa.inspect(engine).has_table(USERS_TABLE):
                raise click.ClickException(
                    f"no users table in {_redacted(settings.database_url)}: run 'breachtrail init-db' first"
                )
            try:
                yield store
            except UserError as error:
                raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()


def _store_accounts(settings: Settings) -> list[UserAccount]:
    engine = sa.create_engine(settings.database_url, pool_pre_ping=True)
    try:
        return UserStore(engine).list_users()
    finally:
        engine.dispose()


def _account_row(account: UserAccount) -> tuple[str, str, str, str, str]:
    return (
        account.id,
        account.role.value,
        ",".join(sorted(account.units)) or "-",
        _minute(account.created_at),
        "-" if account.revoked_at is None else _minute(account.revoked_at),
    )


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _first_user_hint() -> str:
    # Show the command as this one was run (``.venv/bin/breachtrail`` under ``make run``).
    program = sys.argv[0] if Path(sys.argv[0]).name == "breachtrail" else "breachtrail"
    same_database = " (with the same BREACHTRAIL_DATABASE_URL)" if os.environ.get("BREACHTRAIL_DATABASE_URL") else ""
    return (
        f"No users yet. Create the first one{same_database}; its token is printed once:\n"
        f"    {program} users add <user-id> --role hr\n"
        f"    {program} users add <user-id> --role manager --unit <unit>"
    )


def _gunicorn_has_control_socket() -> bool:
    """Whether this gunicorn (27 and later) opens an admin socket unless told not to."""
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


def _url_host(host: str) -> str:
    # An IPv6 address needs brackets in a URL and in gunicorn's --bind.
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _register_subcommands() -> None:
    from adapters.cli.backups import backup, restore
    from adapters.cli.check_config import check_config
    from adapters.cli.integrity import integrity, verify
    from adapters.cli.policy import policy
    from adapters.cli.projections import projections
    from adapters.cli.records import register as register_records
    from adapters.cli.reminders import calendar, reminders
    from adapters.cli.staff import staff
    from adapters.cli.statistics import statistics

    main.add_command(projections)
    main.add_command(verify)
    main.add_command(backup)
    main.add_command(restore)
    main.add_command(policy)
    main.add_command(statistics)
    main.add_command(check_config)
    main.add_command(integrity)
    register_records(main)
    main.add_command(keys)
    main.add_command(reminders)
    main.add_command(calendar)
    main.add_command(staff)


@click.group()
def keys() -> None:
    """The master key that guards every case's data key."""


@keys.command("generate")
def generate_key() -> None:
    """Print a new master key for BREACHTRAIL_MASTER_KEY (keep it apart from the database, backed up)."""
    from adapters.config import generate_master_key

    click.echo(generate_master_key())


_register_subcommands()
