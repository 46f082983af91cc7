"""``breachtrail check-config``: every setting in one table, each checked, every mistake named.

docs/DEPLOYMENT.md carries the same table; a test keeps the two in step, and another that every
setting the code reads is in it. ``serve`` runs the same check before it starts anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import click
import sqlalchemy as sa

from adapters.cli.main import _database_errors, _settings

# The single parsers of config.py, so each setting is checked exactly as it is read.
from adapters.config import (
    DEFAULT_DATABASE_URL,
    DEFAULT_EARLIEST_DATE,
    DEFAULT_IDLE_DAYS,
    DEFAULT_INTRODUCTION_DAYS,
    DEFAULT_K,
    DEFAULT_KEY_DIR,
    DEFAULT_MASTER_KEY_FILE,
    DEFAULT_OIDC_USER_CLAIM,
    DEFAULT_PUBLIC_URL,
    DEFAULT_REQUEST_READ_TIMEOUT,
    DEFAULT_RESPONSE_WRITE_TIMEOUT,
    DEFAULT_SESSION_IDLE_MINUTES,
    DEFAULT_SNAPSHOT_INTERVAL,
    DEFAULT_STAFF_RETENTION_YEARS,
    MINIMUM_K,
    ConfigurationError,
    Settings,
    SmtpSettings,
    _earliest_date,
    _flag,
    _idle_days,
    _master_key,
    _metrics_token,
    _positive_int,
    _public_url,
    _retention,
    normalise_database_url,
    request_read_timeout,
    response_write_timeout,
)

#: Every setting: name, default, meaning. docs/DEPLOYMENT.md carries the same table; a test keeps them in step.
SETTINGS_TABLE: tuple[tuple[str, str, str], ...] = (
    ("BREACHTRAIL_DATABASE_URL", DEFAULT_DATABASE_URL, "Where events and read models live (sqlite or postgresql)."),
    ("BREACHTRAIL_MASTER_KEY", "(unset)", "The master key (32 bytes, urlsafe base64) guarding every case's data key."),
    ("BREACHTRAIL_MASTER_KEY_FILE", str(DEFAULT_MASTER_KEY_FILE), "Read (or first made) when no master key is set."),
    ("BREACHTRAIL_UNITS", "(unset: any unit)", "Comma-separated unit slugs this installation knows."),
    ("BREACHTRAIL_SNAPSHOT_INTERVAL", str(DEFAULT_SNAPSHOT_INTERVAL), "Events between snapshots of a case."),
    ("BREACHTRAIL_AGGREGATE_CACHE_SIZE", "500", "Cases kept in memory per worker (0: none)."),
    ("BREACHTRAIL_STATISTICS_K", str(DEFAULT_K), f"Smallest count statistics show (at least {MINIMUM_K})."),
    ("BREACHTRAIL_INLINE_PROJECTIONS", "yes", "Write the read side with the events; no: the projection worker does."),
    ("BREACHTRAIL_CREATE_TABLES", "yes", "Create missing tables at start; serve sets no for its workers."),
    ("BREACHTRAIL_RETENTION", "(service default)", "How long closed cases keep personal data, by outcome."),
    ("BREACHTRAIL_READY_MAX_LAG", "1000", "/readyz answers 503 while the read side is further behind than this."),
    ("BREACHTRAIL_PROXY_HOPS", "0", "Reverse proxies whose X-Forwarded-* headers are trusted (0: none)."),
    ("BREACHTRAIL_REQUEST_READ_TIMEOUT", str(DEFAULT_REQUEST_READ_TIMEOUT),
     "Seconds a client has to send its request head, then its body; a slower one gets 408."),
    ("BREACHTRAIL_RESPONSE_WRITE_TIMEOUT", str(DEFAULT_RESPONSE_WRITE_TIMEOUT),
     "Seconds a client has to take its whole response; then its connection is closed."),
    ("BREACHTRAIL_METRICS_TOKEN", "(unset: no /metrics)", "Bearer token for /metrics; at least 24 characters."),
    ("BREACHTRAIL_PUBLIC_URL", DEFAULT_PUBLIC_URL,
     "Where people reach breachtrail: sign-in links, mails and calendar feeds; https makes cookies Secure."),
    ("BREACHTRAIL_SESSION_IDLE_MINUTES", str(DEFAULT_SESSION_IDLE_MINUTES),
     "A browser session idle this long is signed out."),
    ("BREACHTRAIL_SECRET_KEY", "(unset: derived from the master key)", "Signs the browser's session cookies."),
    ("BREACHTRAIL_OIDC_ISSUER", "(unset: no OpenID Connect)", "The municipality's identity provider (issuer URL)."),
    ("BREACHTRAIL_OIDC_CLIENT_ID", "(unset)", "breachtrail's client id at the identity provider."),
    ("BREACHTRAIL_OIDC_CLIENT_SECRET", "(unset)", "breachtrail's client secret at the identity provider."),
    ("BREACHTRAIL_OIDC_USER_CLAIM", DEFAULT_OIDC_USER_CLAIM,
     "The claim that names the user (their breachtrail user id)."),
    ("BREACHTRAIL_SMTP_HOST", "(unset: reminders are not mailed)", "The mail server for reminder digests."),
    ("BREACHTRAIL_SMTP_PORT", "587", "Its port."),
    ("BREACHTRAIL_SMTP_STARTTLS", "yes", "Upgrade the connection with STARTTLS (certificate checked)."),
    ("BREACHTRAIL_SMTP_USER", "(unset)", "Log in after STARTTLS (with BREACHTRAIL_SMTP_PASSWORD)."),
    ("BREACHTRAIL_SMTP_PASSWORD", "(unset)", "The mail server password."),
    ("BREACHTRAIL_SMTP_FROM", "breachtrail@localhost", "The sender address of reminder mails."),
    ("BREACHTRAIL_IDLE_DAYS", str(DEFAULT_IDLE_DAYS),
     "Days without a step before a case is idle; per status too: 14,reported=5,warning_issued=30."),
    ("BREACHTRAIL_INTRODUCTION_DAYS", str(DEFAULT_INTRODUCTION_DAYS),
     "Days a new starter may go without the policy's introduction before it shows as overdue."),
    ("BREACHTRAIL_STAFF_RETENTION_YEARS", str(DEFAULT_STAFF_RETENTION_YEARS),
     "Years after an employee left before their name and reference may be erased from the staff list."),
    ("BREACHTRAIL_POLICY_REFRESH_MS", "1000", "How soon a worker sees policy changes made by another process."),
    ("BREACHTRAIL_KEY_DIR", str(DEFAULT_KEY_DIR),
     "Where the epoch keys that wrap every case key live: apart from the database and its backups."),
    ("BREACHTRAIL_BACKUP_WINDOW_DAYS", "0",
     "Days a retired epoch key is kept so that younger backups stay restorable (0: erasure is final at once)."),
    ("BREACHTRAIL_EARLIEST_DATE", DEFAULT_EARLIEST_DATE.isoformat(),
     "No date a client sends may lie before it (422); deadlines and validity at most five years ahead."),
)

_CHECKS = {
    "BREACHTRAIL_DATABASE_URL": lambda env: normalise_database_url(env.get("BREACHTRAIL_DATABASE_URL")
                                                                   or DEFAULT_DATABASE_URL),
    "BREACHTRAIL_MASTER_KEY": _master_key,
    "BREACHTRAIL_SNAPSHOT_INTERVAL": lambda env: _positive_int(env, "BREACHTRAIL_SNAPSHOT_INTERVAL", 1),
    "BREACHTRAIL_AGGREGATE_CACHE_SIZE": lambda env: _positive_int(env, "BREACHTRAIL_AGGREGATE_CACHE_SIZE", 0,
                                                                  minimum=0),
    "BREACHTRAIL_STATISTICS_K": lambda env: _positive_int(env, "BREACHTRAIL_STATISTICS_K", DEFAULT_K,
                                                          minimum=MINIMUM_K),
    "BREACHTRAIL_INLINE_PROJECTIONS": lambda env: _flag(env, "BREACHTRAIL_INLINE_PROJECTIONS", True),
    "BREACHTRAIL_CREATE_TABLES": lambda env: _flag(env, "BREACHTRAIL_CREATE_TABLES", True),
    "BREACHTRAIL_RETENTION": _retention,
    "BREACHTRAIL_READY_MAX_LAG": lambda env: _positive_int(env, "BREACHTRAIL_READY_MAX_LAG", 0, minimum=0),
    "BREACHTRAIL_PROXY_HOPS": lambda env: _positive_int(env, "BREACHTRAIL_PROXY_HOPS", 0, minimum=0),
    "BREACHTRAIL_REQUEST_READ_TIMEOUT": request_read_timeout,
    "BREACHTRAIL_RESPONSE_WRITE_TIMEOUT": response_write_timeout,
    "BREACHTRAIL_METRICS_TOKEN": _metrics_token,
    "BREACHTRAIL_PUBLIC_URL": _public_url,
    "BREACHTRAIL_SESSION_IDLE_MINUTES": lambda env: _positive_int(env, "BREACHTRAIL_SESSION_IDLE_MINUTES", 1),
    "BREACHTRAIL_SMTP_HOST": lambda env: SmtpSettings.from_environ(env),
    "BREACHTRAIL_IDLE_DAYS": lambda env: _idle_days(env),
    "BREACHTRAIL_INTRODUCTION_DAYS": lambda env: _positive_int(env, "BREACHTRAIL_INTRODUCTION_DAYS", 1),
    "BREACHTRAIL_STAFF_RETENTION_YEARS": lambda env: _positive_int(env, "BREACHTRAIL_STAFF_RETENTION_YEARS", 1),
    "BREACHTRAIL_EARLIEST_DATE": lambda env: _earliest_date(env),
    "BREACHTRAIL_BACKUP_WINDOW_DAYS": lambda env: _positive_int(env, "BREACHTRAIL_BACKUP_WINDOW_DAYS", 0, minimum=0),
    "BREACHTRAIL_POLICY_REFRESH_MS": lambda env: _positive_int(env, "BREACHTRAIL_POLICY_REFRESH_MS", 0, minimum=0),
}


def check(environ: Mapping[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Every mistake in the settings (not just the first), and warnings such as a misspelt name."""
    env = os.environ if environ is None else environ
    errors: list[str] = []
    for check_one in _CHECKS.values():
        try:
            check_one(env)
        except ConfigurationError as error:
            errors.append(str(error))
    try:
        Settings.from_environ(env)  # whatever the single checks above do not cover (units)
    except ConfigurationError as error:
        if str(error) not in errors:
            errors.append(str(error))
    known = {name for name, _, _ in SETTINGS_TABLE}
    warnings = [f"{name} is not a setting of this release (misspelt?); it is ignored"
                for name in sorted(env) if name.startswith("BREACHTRAIL_") and name not in known
                and not name.startswith("BREACHTRAIL_TEST_")]
    return errors, warnings


@click.command("check-config")
@click.option("--offline", is_flag=True, help="Check the settings only, without connecting to the database.")
def check_config(offline: bool) -> None:
    """Check every BREACHTRAIL_* setting (and, unless --offline, the database and its schema)."""
    errors, warnings = check()
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if not errors and not offline:
        settings = _settings()
        try:
            settings.resolved_master_key()
            with _database_errors(settings):
                engine = sa.create_engine(settings.database_url, pool_pre_ping=True)
                try:
                    with engine.connect() as connection:
                        connection.execute(sa.text("SELECT 1"))
                finally:
                    engine.dispose()
        except (ConfigurationError, click.ClickException) as error:
            errors.append(error.message if isinstance(error, click.ClickException) else str(error))
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if errors:
        raise SystemExit(1)
    click.echo("configuration ok" + (" (database not checked)" if offline else ""))
