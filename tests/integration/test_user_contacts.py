"""Users' addresses and languages from the command line: a bad one changes nothing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from adapters.cli.main import main
from adapters.composition import build_user_contacts
from adapters.config import Settings


@pytest.fixture
def run(database_url, tmp_path):
    runner = CliRunner()
    env = {"BREACHTRAIL_DATABASE_URL": database_url, "BREACHTRAIL_MASTER_KEY_FILE": str(tmp_path / "master.key")}
    return lambda *args: runner.invoke(main, list(args), env=env)


def test_a_user_added_with_an_address_and_language_gets_them(run, make_service, database_url, tmp_path):
    added = run("users", "add", "mette", "--role", "manager", "--unit", "tandplejen",
                "--email", "mette@kommune.example.dk", "--language", "en")
    assert added.exit_code == 0, added.output
    changed = run("users", "set-email", "mette", "mette.m@kommune.example.dk")
    assert changed.exit_code == 0 and "in en" in changed.output
    service = make_service(master_key_file=tmp_path / "master.key")
    contacts = build_user_contacts(service, Settings(database_url=database_url))
    assert contacts.contact("mette") == ("mette.m@kommune.example.dk", "en")
    [recipient] = contacts.recipients()
    assert (recipient.user.id, recipient.email, recipient.language) == ("mette", "mette.m@kommune.example.dk", "en")
    assert run("users", "revoke", "mette").exit_code == 0
    assert contacts.recipients() == []  # a revoked user is mailed no more


@pytest.mark.parametrize("email", ["mette", "mette@", "a b@kommune.dk", "mette@kommune.dk\nBcc: x@y.dk",
                                   "<mette@kommune.dk>", "mette@localhost"])
def test_a_bad_address_is_refused_and_the_user_is_not_added(run, email):
    refused = run("users", "add", "mette", "--role", "hr", "--email", email)
    assert refused.exit_code == 1 and "not an e-mail address" in refused.output
    listed = run("users", "list")
    assert "mette" not in listed.output


def test_setting_an_address_of_an_unknown_user_is_refused(run):
    assert run("users", "add", "hanne", "--role", "hr").exit_code == 0
    refused = run("users", "set-email", "nobody", "nobody@kommune.example.dk")
    assert refused.exit_code == 1 and "no user 'nobody'" in refused.output
    assert run("users", "add", "x", "--role", "hr", "--language", "de").exit_code == 2
