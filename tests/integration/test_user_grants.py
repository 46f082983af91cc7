"""Access grants are events: who gave which role and units to whom, and when; the table follows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adapters.cli import main
from adapters.composition import SYSTEM_CLI, build_user_administration, build_user_store
from adapters.config import Settings
from adapters.sql.users import InvalidUser, users_table
from domain.values import Role
from service.errors import AccessDenied
from tests.scenarios import HR, MANAGER, case_id, report


@pytest.fixture
def users(service):
    return build_user_store(service, Settings(database_url="sqlite://"))


@pytest.fixture
def admin(service, users):
    return build_user_administration(service, users)


def test_each_grant_is_an_event_with_its_actor_and_the_table_follows(admin, users, service):
    token = admin.add_user(HR, "mette", Role.MANAGER, ["tandplejen"])
    admin.change_user(HR, "mette", units=["tandplejen", "skoler"])
    admin.change_user(SYSTEM_CLI, "mette", role=Role.HR)
    admin.revoke_user(HR, "mette")

    history = admin.user_history("mette")
    assert [e.type for e in history] == ["UserAdded", "UnitsChanged", "RoleChanged", "UserRevoked"]
    assert [e.actor for e in history] == [{"id": "hanne.hr", "role": "hr"}] * 2 + [
        {"id": "system:cli", "role": "hr"}, {"id": "hanne.hr", "role": "hr"}]
    assert history[0].data == {"user_id": "mette", "role": "manager", "units": ["tandplejen"]}
    assert history[1].data["units"] == ["skoler", "tandplejen"]
    assert users.authenticate(token) is None  # revoked
    assert admin.differences() == []
    assert service.verify_integrity(HR).ok  # the grants are in the chain


def test_only_hr_administers_users_and_bad_input_changes_nothing(admin, users, service):
    with pytest.raises(AccessDenied):
        admin.add_user(MANAGER, "someone", Role.HR, [])
    with pytest.raises(InvalidUser):
        admin.add_user(HR, "bad id!", Role.HR, [])
    with pytest.raises(InvalidUser):
        admin.add_user(HR, "mgr", Role.MANAGER, [])
    assert users.list_users() == [] and admin.user_history("someone") == []
    assert service.recorder.max_notification_id() in (None, 0)


def test_user_ids_that_differ_only_by_case_are_one_user(admin, users):
    token = admin.add_user(HR, "MGRB", Role.MANAGER, ["tandplejen"])
    assert users.authenticate(token).id == "mgrb"
    with pytest.raises(Exception, match="exists already"):
        admin.add_user(HR, "mgrb", Role.HR, [])
    assert admin.revoke_user(HR, "Mgrb") is True
    assert [a.id for a in users.list_users()] == ["mgrb"] and users.authenticate(token) is None
    assert [e.type for e in admin.user_history("MGRB")] == ["UserAdded", "UserRevoked"]


def test_promoting_a_rep_to_hr_behind_the_services_back_is_found_by_verify(admin, service, database_url):
    admin.add_user(HR, "rikke", Role.REP, [])
    with service.factory.datastore.engine.begin() as connection:
        connection.execute(sa.update(users_table).where(users_table.c.id == "rikke").values(role="hr"))
    assert admin.differences() == ["user 'rikke': the users table says hr (no units), the events say rep (no units)"]
    result = CliRunner().invoke(main, ["verify"], env={"BREACHTRAIL_DATABASE_URL": database_url})
    assert result.exit_code == 1 and "rikke" in result.output


def test_a_grant_event_is_not_a_case(admin, service):
    from uuid import UUID

    from service.errors import CaseNotFound
    from service.user_accounts import account_id

    admin.add_user(HR, "mette", Role.MANAGER, ["tandplejen"])
    with pytest.raises(CaseNotFound):
        service.get_case(HR, account_id("mette"))
    cid = case_id(report(service))
    assert [row.id for row in service.list_cases(HR).items] == [str(cid)]
    assert isinstance(UUID(str(cid)), UUID)


def test_the_command_line_records_its_grants_as_the_system_actor(database_url):
    runner = CliRunner()
    env = {"BREACHTRAIL_DATABASE_URL": database_url}
    added = runner.invoke(main, ["users", "add", "Henrik", "--role", "hr"], env=env)
    assert added.exit_code == 0, added.output
    assert added.output.splitlines()[-1].startswith("bt_")
    assert runner.invoke(main, ["users", "revoke", "HENRIK"], env=env).exit_code == 0
    history = runner.invoke(main, ["users", "history", "henrik"], env=env)
    assert history.exit_code == 0, history.output
    lines = history.output.splitlines()
    assert "UserAdded" in lines[0] and "by system:cli (hr)" in lines[0] and "role=hr" in lines[0]
    assert "UserRevoked" in lines[1]


def test_users_made_before_grants_were_events_are_recorded_once_on_upgrade(admin, users, service, database_url):
    users.add("old.hr", Role.HR, [])  # as the table was written before grants were events
    users.add("old.rep", Role.REP, [])
    assert admin.record_existing_grants() == 2
    assert admin.differences() == [] and admin.user_history("old.hr")[0].actor == {"id": "system:upgrade", "role": "hr"}
    users.add("slipped.in", Role.HR, [])  # later, behind the service's back
    assert admin.record_existing_grants() == 0
    assert admin.differences() == ["user 'slipped.in' is in the users table but no event granted them access"]
