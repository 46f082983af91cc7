"""The ``breachtrail`` command line."""

from __future__ import annotations

import os
import sys

import click

from adapters.composition import build_case_service, close_case_service
from adapters.config import ConfigurationError, Settings


def _settings() -> Settings:
    try:
        return Settings.from_environ()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


@click.group()
def main() -> None:
    """breachtrail: case handling for breaches of the social media and communication policy."""


@main.command("init-db")
def init_db() -> None:
    """Create the tables in BREACHTRAIL_DATABASE_URL (harmless when they exist)."""
    settings = _settings()
    close_case_service(build_case_service(settings))
    click.echo(f"database ready: {_redacted(settings.database_url)}")


@main.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")), show_default="$PORT or 8000")
@click.option("--workers", type=click.IntRange(1, 64), default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")),
              show_default="$WEB_CONCURRENCY or 2")
def serve(host: str, port: int, workers: int) -> None:
    """Create the schema, then serve the API with gunicorn workers."""
    settings = _settings()
    # Tables are created once, here: workers racing to create them on PostgreSQL collide.
    close_case_service(build_case_service(settings))
    os.environ["BREACHTRAIL_CREATE_TABLES"] = "no"
    os.environ["BREACHTRAIL_DATABASE_URL"] = settings.database_url
    click.echo(f"breachtrail on http://{host}:{port} storing in {_redacted(settings.database_url)}")
    sys.stdout.flush()
    # No --preload: every worker builds its own engine after the fork.
    os.execvp(
        sys.executable,
        [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
         "--access-logfile", "-", "wsgi:app"],
    )


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
