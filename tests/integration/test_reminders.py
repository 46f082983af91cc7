"""Reminder digests through a real SMTP server: once each, never skipped, no personal data (both databases)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.composition import build_reminders, build_user_contacts, build_user_store
from adapters.config import Settings, SmtpSettings, generate_master_key, parse_master_key
from domain.values import Severity
from service.errors import AccessDenied
from tests.scenarios import HR, MANAGER, OTHER_MANAGER, TODAY, case_id, report
from tests.smtp import smtp_server

PUBLIC_URL = "https://breachtrail.example.dk"
KEY = generate_master_key()
ROOT = Path(__file__).resolve().parents[2]

# Everything personal a case holds; none of it may be in a mail.
NAME, DESCRIPTION = "Jane Doe", "Posted pictures of a colleague from the staff room on Snapchat."
STATEMENT, PARTICIPANT = "It was a joke among friends.", "Karen Kollega"


@pytest.fixture
def inbox():
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def settings(database_url, inbox, key_dir):
    return Settings(database_url=database_url, master_key=parse_master_key(KEY), public_url=PUBLIC_URL, key_dir=key_dir,
                    smtp=SmtpSettings(host="127.0.0.1", port=inbox.port, starttls=False,
                                      sender="breachtrail@kommune.example.dk"))


@pytest.fixture
def world(make_service, settings):
    """The service, its reminders, and three users with addresses: two managers and HR."""
    service = make_service(master_key=settings.master_key, public_url=PUBLIC_URL, smtp=settings.smtp)
    users = build_user_store(service, settings)
    contacts = build_user_contacts(service, settings)
    for user, email, language in [(MANAGER, "mette@kommune.example.dk", "da"),
                                  (OTHER_MANAGER, "ole@kommune.example.dk", "en"),
                                  (HR, "hanne@kommune.example.dk", "da")]:
        users.add(user.id, user.role, user.units)
        contacts.set_contact(user.id, email=email, language=language)
    return service, build_reminders(service, settings)


def overdue_hearing(service, user=MANAGER, unit="tandplejen"):
    view = report(service, user, unit=unit, employee_name=NAME, description=DESCRIPTION)
    cid = case_id(view)
    service.assess(user, cid, work_environment_issue=True, severity=Severity.MEDIUM, notes=None)
    service.hold_talk(user, cid, held_on=TODAY - timedelta(days=20), participants=[PARTICIPANT],
                      union_rep_present=False, summary="Went through section 4.3.")
    service.record_statement(user, cid, received_on=TODAY - timedelta(days=18), summary=STATEMENT)
    service.open_hearing(user, cid, sent_on=TODAY - timedelta(days=14), deadline=TODAY - timedelta(days=1))
    return cid, view.employee["ref"]


def test_a_passed_hearing_deadline_is_mailed_once_to_the_manager_and_hr(world, inbox):
    service, reminders = world
    cid, ref = overdue_hearing(service)
    summary = reminders.send()
    assert (summary.sent, summary.sent_reminders, summary.failures) == (2, 2, [])
    [mail] = inbox.to("mette@kommune.example.dk")
    assert len(inbox.to("hanne@kommune.example.dk")) == 1 and inbox.to("ole@kommune.example.dk") == []
    body = mail.get_content()
    assert mail["Subject"] == "breachtrail: 1 frist kræver handling"
    assert f"Sag {cid}, enhed tandplejen: Høringsfrist" in body
    assert f"{PUBLIC_URL}/cases/{cid}" in body and "Næste skridt: skriftlig advarsel" in body
    for secret in (NAME, ref, DESCRIPTION, STATEMENT, PARTICIPANT, "Went through"):
        assert secret not in mail.as_string()
    # A rerun finds every reminder recorded: nothing is mailed twice.
    assert reminders.send().sent == 0 and len(inbox.messages) == 2
    [run, first] = reminders.runs(HR, limit=5)
    assert (first.outcome, first.digests_sent, first.reminders_sent) == ("ok", 2, 2)
    assert (run.outcome, run.digests_sent) == ("ok", 0)


def test_english_for_those_who_chose_it(world, inbox):
    service, reminders = world
    cid, _ = overdue_hearing(service, OTHER_MANAGER, unit="skoler")
    reminders.send()
    [mail] = inbox.to("ole@kommune.example.dk")
    assert mail["Subject"] == "breachtrail: 1 deadline needs attention"
    assert f"Case {cid}, unit skoler: Hearing deadline" in mail.get_content()


def test_a_dry_run_sends_and_records_nothing(world, inbox):
    service, reminders = world
    overdue_hearing(service)
    plan = reminders.send(dry_run=True)
    assert (plan.digests, plan.reminders, plan.dry_run) == (2, 2, True)
    assert inbox.messages == [] and reminders.runs(HR) == []
    assert reminders.send().sent == 2


def test_a_refused_mail_fails_the_run_visibly_and_is_sent_by_the_next(world, inbox):
    service, reminders = world
    overdue_hearing(service)
    inbox.refuse_with = "550 mailbox unavailable"
    summary = reminders.send()
    assert summary.sent == 0 and len(summary.failures) == 2
    [run] = reminders.runs(HR)
    assert run.outcome == "failed" and run.failures == 2 and "550" in (run.problem or "")
    assert "@" not in (run.problem or "")  # no address in what HR is shown
    with pytest.raises(AccessDenied):
        reminders.runs(MANAGER)
    inbox.refuse_with = None
    again = reminders.send()
    assert (again.resent, again.sent) == (2, 2)
    assert len(inbox.to("mette@kommune.example.dk")) == 1


def test_a_run_killed_between_two_mails_neither_repeats_nor_skips_one(world, inbox, settings):
    service, reminders = world
    overdue_hearing(service)  # a digest for mette, and one for hanne (HR)
    overdue_hearing(service, OTHER_MANAGER, unit="skoler")  # one for ole, and another for hanne: one mail
    inbox.hold_after = 1  # the first mail is accepted; the second is held open
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BREACHTRAIL_DATABASE_URL": settings.database_url,
           "BREACHTRAIL_MASTER_KEY": KEY, "BREACHTRAIL_SMTP_HOST": "127.0.0.1",
           "BREACHTRAIL_SMTP_PORT": str(inbox.port), "BREACHTRAIL_SMTP_STARTTLS": "no",
           "BREACHTRAIL_PUBLIC_URL": PUBLIC_URL, "BREACHTRAIL_CREATE_TABLES": "no"}
    command = [sys.executable, "-c", "from adapters.cli.main import main; main()", "reminders", "send"]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert inbox.held.wait(60), process.communicate(timeout=5)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    inbox.hold_after = None
    inbox.release.set()
    time.sleep(0.1)
    assert len(inbox.messages) == 1
    summary = reminders.send()
    assert summary.failures == []
    recipients = sorted(m["To"] for m in inbox.messages)
    assert recipients == ["hanne@kommune.example.dk", "mette@kommune.example.dk", "ole@kommune.example.dk"]
    assert sum(len(m.get_content().split("\n- ")) - 1 for m in inbox.messages) == 4  # each reminder once
    assert reminders.send().sent == 0
    assert [run.outcome for run in reminders.runs(HR)] == ["ok", "ok", "interrupted"]
