"""The ``breachtrail`` command line against a real database, as an administrator uses it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from adapters.cli import main
from adapters.sql.users import UserStore
from domain.values import Role
from service.users import User

Run = Callable[..., Result]


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run a ``breachtrail`` command line on the test's database."""
    # ``serve`` replaces its process with gunicorn; here that would replace the test run.
    monkeypatch.setattr("os.execvp", _refuse_exec)
    runner = CliRunner()

    def run_command(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(main, list(args), env={"BREACHTRAIL_DATABASE_URL": database_url, **(env or {})})

    return run_command


def _refuse_exec(*args: object) -> None:
    raise AssertionError(f"the command tried to start a server: {args}")


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def _refused(result: Result, message: str) -> Result:
    assert result.exit_code != 0, result.output
    assert message in result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_users_add_prints_the_token_alone_on_the_last_line_and_it_works(run: Run, engine: sa.Engine) -> None:
    _ok(run("init-db"))

    hr = _ok(run("users", "add", "hanne.hr", "--role", "hr"))
    manager = _ok(run("users", "add", "mette", "--role", "manager", "--unit", "tandplejen", "--unit", "skoler"))

    store = UserStore(engine)
    for result, user in ((hr, User("hanne.hr", Role.HR)),
                         (manager, User("mette", Role.MANAGER, frozenset({"tandplejen", "skoler"})))):
        lines = result.output.splitlines()
        assert "once" in lines[-3]
        assert lines[-2].startswith("http://127.0.0.1:8000/login/")  # the sign-in link, alone on its line
        assert store.authenticate(lines[-1]) == user
    assert hr.output.splitlines()[-1] != manager.output.splitlines()[-1]


def test_users_add_works_before_init_db(run: Run, engine: sa.Engine) -> None:
    token = _ok(run("users", "add", "rasmus", "--role", "rep")).output.splitlines()[-1]

    assert UserStore(engine).authenticate(token) == User("rasmus", Role.REP)


def test_users_list_shows_every_user_and_no_token(run: Run) -> None:
    tokens = [_ok(run("users", "add", "hanne.hr", "--role", "hr")).output.splitlines()[-1],
              _ok(run("users", "add", "mette", "--role", "manager", "--unit", "tandplejen")).output.splitlines()[-1]]
    _ok(run("users", "revoke", "hanne.hr"))

    listing = _ok(run("users", "list")).output

    header, *rows = listing.splitlines()
    assert header.split() == ["USER", "ROLE", "UNITS", "CREATED", "REVOKED"]
    assert [row.split()[:3] for row in rows] == [["hanne.hr", "hr", "-"], ["mette", "manager", "tandplejen"]]
    assert rows[0].endswith("UTC") and rows[1].endswith("-")
    assert not any(token.removeprefix("bt_") in listing for token in tokens)
    assert "bt_" not in listing


def test_an_empty_user_list_says_how_to_add_the_first_user(run: Run) -> None:
    _ok(run("init-db"))

    output = _ok(run("users", "list")).output

    assert "No users yet" in output
    assert "users add <user-id> --role hr" in output


def test_users_revoke_stops_the_token_at_once(run: Run, engine: sa.Engine) -> None:
    token = _ok(run("users", "add", "mette", "--role", "manager", "--unit", "tandplejen")).output.splitlines()[-1]

    assert "revoked 'mette'" in _ok(run("users", "revoke", "mette")).output

    assert UserStore(engine).authenticate(token) is None


def test_users_token_replaces_the_token(run: Run, engine: sa.Engine) -> None:
    old = _ok(run("users", "add", "hanne.hr", "--role", "hr")).output.splitlines()[-1]

    result = _ok(run("users", "token", "hanne.hr"))

    new = result.output.splitlines()[-1]
    assert "once" in result.output.splitlines()[-2]
    store = UserStore(engine)
    assert store.authenticate(old) is None
    assert store.authenticate(new) == User("hanne.hr", Role.HR)


@pytest.mark.parametrize(("args", "message"), [
    (("users", "add", "x", "--role", "boss"), "'boss' is not one of 'manager', 'hr', 'rep'"),
    (("users", "add", "x"), "Missing option '--role'"),
    (("users", "add", "mette", "--role", "manager"), "a manager needs at least one unit"),
    (("users", "add", "hanne", "--role", "hr", "--unit", "tandplejen"), "only managers"),
    (("users", "add", "mette", "--role", "manager", "--unit", "Tand Plejen"), "not unit names"),
    (("users", "add", "hanne hr", "--role", "hr"), "invalid user id"),
])
def test_an_invalid_user_is_refused_cleanly_and_nothing_is_stored(
    run: Run, engine: sa.Engine, args: tuple[str, ...], message: str
) -> None:
    _ok(run("init-db"))

    _refused(run(*args), message)

    assert UserStore(engine).list_users() == []


def test_a_taken_user_id_is_refused_cleanly(run: Run, engine: sa.Engine) -> None:
    token = _ok(run("users", "add", "mette", "--role", "manager", "--unit", "tandplejen")).output.splitlines()[-1]

    _refused(run("users", "add", "mette", "--role", "hr"), "a user 'mette' exists already")

    assert UserStore(engine).authenticate(token) == User("mette", Role.MANAGER, frozenset({"tandplejen"}))


@pytest.mark.parametrize("command", ["revoke", "token"])
def test_an_unknown_user_is_reported_cleanly(run: Run, command: str) -> None:
    _ok(run("init-db"))

    _refused(run("users", command, "nobody"), "no user 'nobody'")


def test_a_unit_outside_the_configured_units_is_refused(run: Run, engine: sa.Engine) -> None:
    env = {"BREACHTRAIL_UNITS": "tandplejen,skoler"}

    _refused(run("users", "add", "mette", "--role", "manager", "--unit", "dagtilbud", env=env), "dagtilbud")
    _ok(run("users", "add", "mette", "--role", "manager", "--unit", "skoler", env=env))

    assert [account.units for account in UserStore(engine).list_users()] == [frozenset({"skoler"})]


def test_init_db_creates_every_table_and_is_harmless_when_they_exist(run: Run, engine: sa.Engine) -> None:
    # Workers run with BREACHTRAIL_CREATE_TABLES=no; init-db is the step that must create them anyway.
    _ok(run("init-db", env={"BREACHTRAIL_CREATE_TABLES": "no"}))
    token = _ok(run("users", "add", "hanne.hr", "--role", "hr")).output.splitlines()[-1]

    _ok(run("init-db"))

    tables = set(sa.inspect(engine).get_table_names())
    assert {"users", "cases_events"} <= tables
    assert UserStore(engine).authenticate(token) == User("hanne.hr", Role.HR)


@pytest.mark.parametrize("command", [("users", "list"), ("users", "revoke", "x"), ("users", "token", "x")])
def test_user_commands_before_init_db_say_what_to_do(run: Run, command: tuple[str, ...]) -> None:
    _refused(run(*command), "run 'breachtrail init-db' first")


@pytest.mark.parametrize("command", [
    ("init-db",), ("serve",), ("users", "list"), ("users", "add", "x", "--role", "hr"), ("users", "revoke", "x"),
])
@pytest.mark.parametrize(("env", "message"), [
    ({"BREACHTRAIL_DATABASE_URL": "mysql://db/breachtrail"}, "unsupported database 'mysql'"),
    ({"BREACHTRAIL_DATABASE_URL": "not a url"}, "is not a database URL"),
    ({"BREACHTRAIL_SNAPSHOT_INTERVAL": "often"}, "BREACHTRAIL_SNAPSHOT_INTERVAL must be a whole number"),
    ({"BREACHTRAIL_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, "database postgresql+psycopg://"),
])
def test_a_configuration_error_is_one_clean_line(
    run: Run, command: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    _refused(run(*command, env=env), message)


@pytest.mark.parametrize(("args", "env", "message"), [
    (("serve", "--port", "99999"), {}, "--port"),
    (("serve",), {"PORT": "eighty"}, "--port"),
    (("serve",), {"WEB_CONCURRENCY": "0"}, "--workers"),
])
def test_serve_refuses_a_bad_port_or_worker_count_before_starting(
    run: Run, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    _refused(run(*args, env=env), message)


def test_users_add_prints_a_sign_in_link_before_the_token_and_users_link_a_fresh_one(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from adapters.cli.main import main

    monkeypatch.setenv("BREACHTRAIL_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("BREACHTRAIL_MASTER_KEY_FILE", str(tmp_path / "master.key"))
    monkeypatch.setenv("BREACHTRAIL_PUBLIC_URL", "https://breachtrail.example.dk")
    runner = CliRunner()
    added = runner.invoke(main, ["users", "add", "mette", "--role", "manager", "--unit", "tandplejen"])
    assert added.exit_code == 0, added.output
    lines = added.output.strip().splitlines()
    assert lines[-1].startswith("bt_")
    assert "https://breachtrail.example.dk/login/" in lines[-2]
    fresh = runner.invoke(main, ["users", "link", "mette"])
    assert fresh.exit_code == 0 and fresh.output.strip().splitlines()[-1].startswith("https://breachtrail.example.dk/login/")
    assert runner.invoke(main, ["users", "link", "nobody"]).exit_code != 0
