"""GET /api/v1/deadlines, GET /api/v1/reminders/runs and the calendar feed, through the Flask app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from adapters.cli.main import main
from adapters.composition import close_case_service
from adapters.config import Settings, SmtpSettings, generate_master_key, parse_master_key
from adapters.http import create_app
from adapters.http.context import CASE_SERVICE, USER_CONTACTS, USER_STORE
from tests.e2e.http import NEW_CASE, Api, assert_problem, register_callers
from tests.scenarios import TODAY
from tests.smtp import smtp_server

KEY = generate_master_key()
PUBLIC_URL = "https://breachtrail.example.dk"


@pytest.fixture
def inbox():
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def settings(database_url, inbox, key_dir):
    return Settings(database_url=database_url, master_key=parse_master_key(KEY), public_url=PUBLIC_URL, key_dir=key_dir,
                    smtp=SmtpSettings(host="127.0.0.1", port=inbox.port, starttls=False))


@pytest.fixture
def app(settings):
    app = create_app({"SETTINGS": settings})
    yield app
    close_case_service(app.extensions[CASE_SERVICE])


@pytest.fixture
def api(app):
    return Api(app.test_client(), register_callers(app.extensions[USER_STORE]))


def hearing_passed_yesterday(api: Api) -> str:
    case = api.post("/api/v1/cases", NEW_CASE, caller="manager").get_json()
    response = api.post(f"/api/v1/cases/{case['id']}/hearing", caller="manager", body={
        "sent_on": (TODAY - timedelta(days=14)).isoformat(), "deadline": (TODAY - timedelta(days=1)).isoformat()})
    assert response.status_code == 200, response.get_json()
    return str(case["id"])


def test_a_manager_whose_hearing_deadline_passed_yesterday_gets_one_mail_a_task_and_a_calendar_entry(
        api, app, settings, inbox):
    case_id = hearing_passed_yesterday(api)
    runner = CliRunner()
    env = {"BREACHTRAIL_DATABASE_URL": settings.database_url, "BREACHTRAIL_MASTER_KEY": KEY,
           "BREACHTRAIL_SMTP_HOST": "127.0.0.1", "BREACHTRAIL_SMTP_PORT": str(inbox.port),
           "BREACHTRAIL_SMTP_STARTTLS": "no", "BREACHTRAIL_PUBLIC_URL": PUBLIC_URL}
    added = runner.invoke(main, ["users", "set-email", "mette.manager", "mette@kommune.example.dk",
                                 "--language", "da"], env=env)
    assert added.exit_code == 0, added.output
    sent = runner.invoke(main, ["reminders", "send"], env=env)
    assert sent.exit_code == 0, sent.output
    assert "summary: 1 mails sent with 1 reminders, 0 failed" in sent.output
    [mail] = inbox.messages
    assert mail["To"] == "mette@kommune.example.dk" and f"{PUBLIC_URL}/cases/{case_id}" in mail.get_content()
    assert runner.invoke(main, ["reminders", "send"], env=env).exit_code == 0
    assert len(inbox.messages) == 1  # today's run again: nothing new

    response = api.get("/api/v1/deadlines", caller="manager")
    assert response.status_code == 200
    [task] = response.get_json()
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert {k: task[k] for k in ("case_id", "kind", "due_on", "resolved_by_step", "unit", "overdue")} == {
        "case_id": case_id, "kind": "hearing_deadline", "due_on": yesterday, "resolved_by_step": "warnings",
        "unit": "tandplejen", "overdue": True}

    linked = runner.invoke(main, ["calendar", "link", "mette.manager"], env=env)
    assert linked.exit_code == 0, linked.output
    url = linked.output.strip().splitlines()[-1]
    assert url.startswith(f"{PUBLIC_URL}/calendar/") and url.endswith(".ics")
    feed = api.client.get(url.removeprefix(PUBLIC_URL))
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert f"DTSTART;VALUE=DATE:{yesterday.replace('-', '')}" in text and case_id in text.replace("\r\n ", "")
    for secret in ("Jane Doe", "E-1042", NEW_CASE["description"][:20]):
        assert secret not in text.replace("\r\n ", "")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and all(len(line.encode()) <= 75 for line in text.split("\r\n"))

    revoked = runner.invoke(main, ["calendar", "revoke", "mette.manager"], env=env)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert_problem(api.client.get(url.removeprefix(PUBLIC_URL)), 404)


def test_who_may_read_deadlines_and_runs(api):
    hearing_passed_yesterday(api)
    assert len(api.get("/api/v1/deadlines", caller="hr").get_json()) == 1
    assert api.get("/api/v1/deadlines", caller="other_manager").get_json() == []
    assert_problem(api.get("/api/v1/deadlines", caller="rep"), 403)
    assert_problem(api.get("/api/v1/deadlines", caller="anonymous"), 401)
    assert api.get("/api/v1/reminders/runs", caller="hr").get_json() == []
    assert_problem(api.get("/api/v1/reminders/runs", caller="manager"), 403)


@pytest.mark.parametrize("query", ["kind=soon", "due_before=yesterday", "colour=red"])
def test_bad_filters_are_refused_field_by_field(api, query):
    body = assert_problem(api.get(f"/api/v1/deadlines?{query}", caller="manager"), 422)
    assert query.split("=")[0] in str(body["errors"])


def test_filters_by_kind_and_due_date(api):
    hearing_passed_yesterday(api)
    assert len(api.get("/api/v1/deadlines?kind=hearing_deadline", caller="manager").get_json()) == 1
    assert api.get("/api/v1/deadlines?kind=idle", caller="manager").get_json() == []
    before = (TODAY - timedelta(days=1)).isoformat()
    assert api.get(f"/api/v1/deadlines?due_before={before}", caller="manager").get_json() == []


def test_unknown_or_malformed_calendar_secrets_find_nothing(api, app):
    contacts = app.extensions[USER_CONTACTS]
    secret = contacts.link_calendar("mette.manager")
    assert api.client.get(f"/calendar/{secret}.ics").status_code == 200
    for wrong in ("x" * 43, secret[:-1], "../../etc/passwd", secret + "A"):
        assert api.client.get(f"/calendar/{wrong}.ics").status_code == 404
    contacts.link_calendar("mette.manager")  # a new link: the old one stops working
    assert api.client.get(f"/calendar/{secret}.ics").status_code == 404
