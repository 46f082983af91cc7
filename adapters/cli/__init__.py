"""The ``breachtrail`` command line: one module per group of commands."""

from adapters.cli.main import gunicorn_options, main

__all__ = ["gunicorn_options", "main"]
