"""Users and tokens on a real database: who gets in, who is kept out, and what is stored."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from adapters.sql.users import InvalidUser, UnknownUser, UserAccount, UserExists, UserStore
from domain.values import Role
from service.cases import CaseService
from service.users import User
from tests.scenarios import report

StoreFactory = Callable[[], UserStore]


@pytest.fixture
def make_store(database_url: str) -> Iterator[StoreFactory]:
    """Stores on engines of their own, as separate processes would have."""
    engines: list[sa.Engine] = []

    def make() -> UserStore:
        engine = sa.create_engine(database_url)
        engines.append(engine)
        store = UserStore(engine)
        store.create_tables()
        return store

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def store(make_store: StoreFactory) -> UserStore:
    return make_store()


def test_each_role_gets_a_token_that_authenticates_as_that_user(store: UserStore) -> None:
    hr = store.add("hanne.hr", Role.HR, [])
    manager = store.add("mette@kommune.dk", Role.MANAGER, ["tandplejen", "skoler", "tandplejen"])
    rep = store.add("rasmus_rep-2", Role.REP, ())

    assert store.authenticate(hr) == User("hanne.hr", Role.HR)
    assert store.authenticate(manager) == User("mette@kommune.dk", Role.MANAGER, frozenset({"tandplejen", "skoler"}))
    assert store.authenticate(rep) == User("rasmus_rep-2", Role.REP)


def test_tokens_are_recognisable_and_carry_at_least_32_random_bytes(store: UserStore) -> None:
    tokens = [store.add(f"user{i}", Role.REP, []) for i in range(20)]

    for token in tokens:
        assert token.startswith("bt_")
        random_part = base64.urlsafe_b64decode(token.removeprefix("bt_") + "=" * (-len(token) % 4))
        assert len(random_part) >= 32
    assert len(set(tokens)) == len(tokens)


def test_no_token_is_stored_in_plaintext(store: UserStore, database_url: str) -> None:
    tokens = [store.add("hanne.hr", Role.HR, []), store.add("mette", Role.MANAGER, ["tandplejen"])]
    tokens.append(store.issue_token("mette"))
    secrets_ = [part for token in tokens for part in (token, token.removeprefix("bt_"))]

    with store.engine.connect() as connection:
        for table_name in sa.inspect(connection).get_table_names():
            table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
            for row in connection.execute(sa.select(table)):
                stored = " ".join(str(value) for value in row)
                assert not any(secret in stored for secret in secrets_), table_name

    if database_url.startswith("sqlite"):
        database_file = Path(sa.make_url(database_url).database or "")
        for file in database_file.parent.glob(database_file.name + "*"):
            content = file.read_bytes()
            assert not any(secret.encode() in content for secret in secrets_), file.name


@pytest.mark.parametrize("token", [
    "", "bt_", "bt_short", "not-a-token", "bt_" + "A" * 43, "Bearer bt_" + "A" * 43, "bt_" + "A" * 5000,
    "bt_" + "é" * 43,
])
def test_unknown_and_malformed_tokens_are_refused(store: UserStore, token: str) -> None:
    store.add("hanne.hr", Role.HR, [])

    assert store.authenticate(token) is None


def test_a_token_altered_in_any_way_is_refused(store: UserStore) -> None:
    token = store.add("hanne.hr", Role.HR, [])
    last = token[-1]

    for altered in (token[:-1] + ("B" if last == "A" else "A"), token[3:], token.upper(), f" {token}",
                    f"{token}\n", "BT_" + token[3:], token + "A"):
        assert store.authenticate(altered) is None, altered
    assert store.authenticate(token) is not None


def test_a_revoked_token_fails_at_once_also_for_another_process(make_store: StoreFactory) -> None:
    admin, server = make_store(), make_store()
    token = admin.add("mette", Role.MANAGER, ["tandplejen"])
    assert server.authenticate(token) is not None

    assert admin.revoke("mette") is True

    assert server.authenticate(token) is None
    assert admin.authenticate(token) is None


def test_revoking_is_recorded_once_and_an_unknown_user_is_reported(store: UserStore) -> None:
    store.add("mette", Role.MANAGER, ["tandplejen"])
    store.revoke("mette")
    first = store.list_users()[0].revoked_at

    assert store.revoke("mette") is True
    assert store.list_users()[0].revoked_at == first
    assert store.revoke("nobody") is False
    assert [account.id for account in store.list_users()] == ["mette"]


def test_a_new_token_replaces_the_old_one_at_once_everywhere(make_store: StoreFactory) -> None:
    admin, server = make_store(), make_store()
    old = admin.add("hanne.hr", Role.HR, [])
    assert server.authenticate(old) is not None

    new = admin.issue_token("hanne.hr")

    assert new != old
    assert server.authenticate(old) is None
    assert server.authenticate(new) == User("hanne.hr", Role.HR)


def test_a_new_token_lets_a_revoked_user_back_in(store: UserStore) -> None:
    old = store.add("hanne.hr", Role.HR, [])
    store.revoke("hanne.hr")

    new = store.issue_token("hanne.hr")

    assert store.authenticate(old) is None
    assert store.authenticate(new) == User("hanne.hr", Role.HR)
    assert store.list_users()[0].revoked_at is None


def test_a_token_for_an_unknown_user_is_refused(store: UserStore) -> None:
    with pytest.raises(UnknownUser, match="nobody"):
        store.issue_token("nobody")
    assert store.list_users() == []


@pytest.mark.parametrize(("user_id", "role", "units", "message"), [
    ("", Role.HR, [], "invalid user id"),
    ("a" * 65, Role.HR, [], "invalid user id"),
    ("hanne hr", Role.HR, [], "invalid user id"),
    ("-hanne", Role.HR, [], "invalid user id"),
    ("hanne/hr", Role.HR, [], "invalid user id"),
    ("hanne\n", Role.HR, [], "invalid user id"),
    ("søren", Role.HR, [], "invalid user id"),
    ("mette", Role.MANAGER, [], "at least one unit"),
    ("hanne", Role.HR, ["tandplejen"], "only managers"),
    ("rasmus", Role.REP, ["tandplejen"], "only managers"),
    ("mette", Role.MANAGER, ["Tandplejen"], "not unit names"),
    ("mette", Role.MANAGER, ["tandplejen", "dag_tilbud"], "not unit names"),
    ("mette", Role.MANAGER, [""], "not unit names"),
    ("mette", Role.MANAGER, ["a" * 65], "not unit names"),
    ("mette", Role.MANAGER, "tandplejen", "not a single string"),
    ("hanne", "hr", [], "unknown role"),
])
def test_an_invalid_user_is_refused_and_nothing_is_stored(
    store: UserStore, user_id: str, role: Role, units: list[str], message: str
) -> None:
    with pytest.raises(InvalidUser, match=message):
        store.add(user_id, role, units)

    assert store.list_users() == []


def test_a_taken_id_is_refused_and_the_first_user_keeps_their_token(store: UserStore) -> None:
    token = store.add("mette", Role.MANAGER, ["tandplejen"])

    with pytest.raises(UserExists, match="mette"):
        store.add("mette", Role.HR, [])

    assert store.authenticate(token) == User("mette", Role.MANAGER, frozenset({"tandplejen"}))
    assert [(account.id, account.role) for account in store.list_users()] == [("mette", Role.MANAGER)]


def test_the_user_list_shows_who_and_when_but_no_secret(store: UserStore) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    tokens = [store.add("rasmus", Role.REP, []), store.add("mette", Role.MANAGER, ["skoler", "tandplejen"])]
    store.revoke("rasmus")

    accounts = store.list_users()

    assert [(a.id, a.role, a.units, a.active) for a in accounts] == [
        ("mette", Role.MANAGER, frozenset({"skoler", "tandplejen"}), True),
        ("rasmus", Role.REP, frozenset(), False),
    ]
    for account in accounts:
        assert before <= account.created_at <= datetime.now(UTC)
    assert accounts[1].revoked_at is not None and accounts[1].revoked_at >= accounts[1].created_at
    assert {field.name for field in fields(UserAccount)} == {"id", "role", "units", "created_at", "revoked_at"}
    assert not any(token.removeprefix("bt_") in repr(accounts) for token in tokens)


def test_creating_the_tables_again_keeps_the_users(make_store: StoreFactory) -> None:
    store = make_store()
    token = store.add("hanne.hr", Role.HR, [])

    store.create_tables()
    again = make_store()

    assert again.authenticate(token) == User("hanne.hr", Role.HR)


def test_tables_created_at_once_by_several_processes_on_an_empty_database(database_url: str) -> None:
    engines = [sa.create_engine(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def create(engine: sa.Engine) -> None:
        try:
            barrier.wait(timeout=10)
            UserStore(engine).create_tables()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=create, args=(engine,)) for engine in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        store = UserStore(engines[0])
        assert store.authenticate(store.add("hanne.hr", Role.HR, [])) is not None
    finally:
        for engine in engines:
            engine.dispose()


def test_users_live_beside_the_events_on_the_event_stores_engine(service: CaseService) -> None:
    store = UserStore(service.factory.datastore.engine)  # type: ignore[attr-defined]
    store.create_tables()
    token = store.add("mette.manager", Role.MANAGER, ["tandplejen"])

    user = store.authenticate(token)
    assert user is not None
    case = report(service, user)

    assert service.get_case(user, UUID(case.id)).reported_by == "mette.manager"
    store.revoke("mette.manager")
    assert store.authenticate(token) is None
