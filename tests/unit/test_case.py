"""The Case aggregate on its own: invariants, without storage."""

from datetime import date, timedelta

import pytest

from domain.case import Case
from domain.errors import (
    EmployeeNotHeard,
    InvalidCaseData,
    RoleNotPermitted,
    StepNotAllowed,
    TalkNotHeld,
)
from domain.policy_in_force import default_citation
from domain.values import Actor, Channel, Outcome, Role, Severity, Status, Step

TODAY = date(2026, 11, 24)
INCIDENT = date(2026, 9, 1)
MANAGER = Actor("mette", Role.MANAGER)
HR = Actor("hanne", Role.HR)


def new_case(**overrides) -> Case:
    fields = dict(
        actor=MANAGER, unit="tandplejen", employee_ref="E-1042", employee_name="Jane Doe",
        occurred_on=INCIDENT, rules=["4.1"], channel=Channel.FACEBOOK,
        description="Shared a picture of a patient's teeth.", today=TODAY,
        policy=default_citation(),
    )
    fields.update(overrides)
    case = Case.report(**fields)
    case.collect_events()
    return case


def talk_held_case() -> Case:
    case = new_case()
    case.assess(actor=MANAGER, work_environment_issue=True, severity=Severity.HIGH, notes=None)
    case.hold_talk(actor=MANAGER, held_on=date(2026, 9, 10), participants=["Mette"],
                   union_rep_present=False, summary="Talked.", today=TODAY)
    case.collect_events()
    return case


def test_a_report_names_every_invalid_field_at_once():
    with pytest.raises(InvalidCaseData) as raised:
        new_case(unit="Tand Plejen", employee_ref="", occurred_on=TODAY + timedelta(days=1),
                 rules=["4.1", "9.9"], description="")
    assert set(raised.value.errors) == {"unit", "employee.ref", "occurred_on", "rules.1", "description"}
    assert "9.9" in raised.value.errors["rules.1"][0]


def test_a_report_needs_at_least_one_rule_and_names_each_once():
    with pytest.raises(InvalidCaseData, match="at least one rule"):
        new_case(rules=[])
    with pytest.raises(InvalidCaseData, match="once"):
        new_case(rules=["4.1", "4.1"])


def test_a_new_case_is_reported_by_its_actor():
    case = new_case()
    assert case.status is Status.REPORTED
    assert case.reported_by == MANAGER
    assert case.version == 1


def test_a_warning_before_any_hearing_is_refused_and_records_nothing():
    case = talk_held_case()
    with pytest.raises(EmployeeNotHeard) as raised:
        case.issue_warning(actor=MANAGER, issued_on=date(2026, 9, 20), text="Warning.",
                           valid_until=None, today=TODAY)
    assert raised.value.status is Status.TALK_HELD
    assert Step.WARNING not in raised.value.allowed
    assert "forvaltningsloven" in str(raised.value)
    assert case.collect_events() == []
    assert case.status is Status.TALK_HELD


def test_a_warning_waits_for_the_hearing_deadline_to_pass():
    case = talk_held_case()
    case.open_hearing(actor=MANAGER, sent_on=date(2026, 9, 11), deadline=None, today=TODAY)
    deadline = case.hearings[-1].deadline
    assert deadline == date(2026, 9, 25)
    with pytest.raises(EmployeeNotHeard):
        case.issue_warning(actor=MANAGER, issued_on=deadline, text="W.", valid_until=None, today=TODAY)
    case.issue_warning(actor=MANAGER, issued_on=deadline + timedelta(days=1), text="W.",
                       valid_until=None, today=TODAY)
    assert case.status is Status.WARNING_ISSUED


def test_a_statement_counts_only_from_the_day_it_was_received():
    case = talk_held_case()
    case.record_statement(actor=MANAGER, received_on=date(2026, 9, 15), summary="My side.", today=TODAY)
    with pytest.raises(EmployeeNotHeard):
        case.issue_warning(actor=MANAGER, issued_on=date(2026, 9, 14), text="W.", valid_until=None,
                           today=TODAY)
    case.issue_warning(actor=MANAGER, issued_on=date(2026, 9, 15), text="W.", valid_until=None,
                       today=TODAY)


def test_a_warning_dated_before_the_talk_is_refused():
    case = talk_held_case()
    case.record_statement(actor=MANAGER, received_on=date(2026, 9, 2), summary="Mine.", today=TODAY)
    with pytest.raises(TalkNotHeld):
        case.issue_warning(actor=MANAGER, issued_on=date(2026, 9, 5), text="W.", valid_until=None,
                           today=TODAY)


def test_step_dates_may_not_lie_in_the_future_or_before_the_incident():
    case = new_case()
    with pytest.raises(InvalidCaseData) as raised:
        case.open_hearing(actor=MANAGER, sent_on=TODAY + timedelta(days=1), deadline=None, today=TODAY)
    assert "future" in raised.value.errors["sent_on"][0]
    with pytest.raises(InvalidCaseData) as raised:
        case.record_statement(actor=MANAGER, received_on=INCIDENT - timedelta(days=1), summary="x",
                              today=TODAY)
    assert "before the incident" in raised.value.errors["received_on"][0]
    assert case.collect_events() == []


def test_only_hr_escalates_reopens_and_erases():
    case = new_case()
    case.close(actor=MANAGER, outcome=Outcome.DISMISSED, reason="Not a breach.")
    with pytest.raises(RoleNotPermitted):
        case.reopen(actor=MANAGER, reason="Again")
    with pytest.raises(RoleNotPermitted):
        case.erase_personal_data(actor=MANAGER, reason="Retention")


def test_nothing_but_reopening_or_erasure_after_closure():
    case = new_case()
    case.close(actor=MANAGER, outcome=Outcome.RESOLVED, reason="Done.")
    with pytest.raises(StepNotAllowed) as raised:
        case.add_note(actor=HR, text="Late note")
    assert raised.value.status is Status.CLOSED
    assert raised.value.allowed == (Step.REOPENING, Step.ERASURE)
    assert "closed" in str(raised.value)


def test_reopening_returns_the_case_to_where_it_was_closed_from():
    case = talk_held_case()
    case.close(actor=MANAGER, outcome=Outcome.RESOLVED, reason="Done.")
    case.reopen(actor=HR, reason="New information.")
    assert case.status is Status.TALK_HELD
    assert case.closure is None


def test_erasure_forgets_the_employee_and_every_free_text_but_keeps_the_facts():
    case = talk_held_case()
    case.add_note(actor=MANAGER, text="Jane called in sick.")
    case.close(actor=MANAGER, outcome=Outcome.SANCTIONED, reason="Jane was warned orally.")
    case.erase_personal_data(actor=HR, reason="Retention period over.")
    assert case.employee is None and case.description is None
    assert case.talks[0].participants == [] and case.talks[0].summary is None
    assert case.notes[0].text is None and case.closure.reason is None
    assert case.closure.outcome is Outcome.SANCTIONED
    assert case.talks[0].held_on == date(2026, 9, 10)
    assert case.allowed_steps() == []
    with pytest.raises(StepNotAllowed, match="erased"):
        case.reopen(actor=HR, reason="Again")
