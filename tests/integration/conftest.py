"""Fixtures the integration tests of the command line share: a master key, and a command runner on it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from adapters.cli import main
from adapters.config import generate_master_key


@pytest.fixture
def master_key() -> str:
    return generate_master_key()


@pytest.fixture
def run(database_url, master_key):
    """``breachtrail ARGS`` on the test's database with its master key (a module may bring its own)."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), env={"BREACHTRAIL_DATABASE_URL": database_url,
                                                    "BREACHTRAIL_MASTER_KEY": master_key})
    return invoke
