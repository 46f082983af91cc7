"""Deadlines derived from a case's events: table-driven, across Danish holidays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from domain.case import Case
from domain.deadlines import (
    CaseFacts,
    DeadlineKind,
    DeadlineRules,
    HearingFacts,
    case_facts,
    derive,
    hearing_overdue,
    parse_idle_days,
)
from domain.policy_in_force import default_citation
from domain.values import Actor, Channel, Outcome, Role, Severity, Status, Step

MANAGER = Actor("mette.manager", Role.MANAGER)
HR = Actor("hanne.hr", Role.HR)
# Idle days out of the way: events carry the real time they were recorded, and these tables
# are about the dates the steps name. Idle cases have a table of their own below.
NO_IDLE = DeadlineRules(default_idle_days=3650)

Move = Callable[[Case, date], None]


def report(occurred_on: date) -> Case:
    return Case.report(actor=MANAGER, unit="tandplejen", employee_ref="E-1", employee_name="Jane Doe",
                       occurred_on=occurred_on, rules=["4.3"], channel=Channel.SNAPCHAT,
                       description="A photo from the staff room.", today=occurred_on,
                       policy=default_citation())


def assess(case: Case, today: date) -> None:
    case.assess(actor=MANAGER, work_environment_issue=True, severity=Severity.MEDIUM, notes=None)


def hearing(sent_on: date, deadline: date | None = None) -> Move:
    return lambda case, today: case.open_hearing(actor=MANAGER, sent_on=sent_on, deadline=deadline, today=today)


def statement(received_on: date) -> Move:
    return lambda case, today: case.record_statement(actor=MANAGER, received_on=received_on, summary="Sorry.",
                                                     today=today)


def talk(held_on: date) -> Move:
    return lambda case, today: case.hold_talk(actor=MANAGER, held_on=held_on, participants=["Mette"],
                                              union_rep_present=False, summary="Talked.", today=today)


def warning(issued_on: date, valid_until: date | None = None) -> Move:
    return lambda case, today: case.issue_warning(actor=MANAGER, issued_on=issued_on, text="Warning.",
                                                  valid_until=valid_until, today=today)


def close(case: Case, today: date) -> None:
    case.close(actor=MANAGER, outcome=Outcome.SANCTIONED, reason="Done.")


def erase(case: Case, today: date) -> None:
    case.erase_personal_data(actor=HR, reason="Retention.")


H, W = DeadlineKind.HEARING.value, DeadlineKind.WARNING_EXPIRY.value
D = date

CASES = [
    # name, incident, moves, today, expected (kind, due_on, resolved_by_step)
    ("no hearing, no deadline", D(2026, 3, 2), [assess], D(2026, 3, 20), []),
    ("hearing across Easter: Maundy Thursday, Good Friday and Easter Monday do not count",
     D(2026, 3, 2), [assess, hearing(D(2026, 3, 27))], D(2026, 3, 30), [(H, D(2026, 4, 15), "warnings")]),
    ("hearing across Constitution Day (5 June)",
     D(2026, 5, 20), [assess, hearing(D(2026, 5, 29))], D(2026, 6, 1), [(H, D(2026, 6, 15), "warnings")]),
    ("hearing across Christmas and New Year",
     D(2026, 12, 1), [assess, hearing(D(2026, 12, 18))], D(2026, 12, 21), [(H, D(2027, 1, 7), "warnings")]),
    ("a hearing deadline passed stays a deadline, now overdue",
     D(2026, 3, 2), [assess, hearing(D(2026, 3, 27))], D(2026, 4, 20), [(H, D(2026, 4, 15), "warnings")]),
    ("a statement answers the hearing", D(2026, 3, 2),
     [assess, hearing(D(2026, 3, 27)), statement(D(2026, 4, 1))], D(2026, 4, 20), []),
    ("a statement from before the hearing does not", D(2026, 3, 2),
     [assess, statement(D(2026, 3, 20)), hearing(D(2026, 3, 27))], D(2026, 4, 20), [(H, D(2026, 4, 15), "warnings")]),
    ("a warning after the deadline resolves the hearing", D(2026, 3, 2),
     [assess, talk(D(2026, 3, 10)), hearing(D(2026, 3, 11), D(2026, 3, 20)), warning(D(2026, 3, 23))],
     D(2026, 3, 25), []),
    ("a closed case has no hearing deadline", D(2026, 3, 2),
     [assess, hearing(D(2026, 3, 27)), close], D(2026, 4, 20), []),
    ("a new hearing sets a new deadline", D(2026, 3, 2),
     [assess, hearing(D(2026, 3, 3), D(2026, 3, 10)), statement(D(2026, 3, 5)), hearing(D(2026, 5, 29))],
     D(2026, 6, 2), [(H, D(2026, 6, 15), "warnings")]),
    ("a warning's validity is announced in its last 30 days", D(2026, 1, 5),
     [assess, talk(D(2026, 1, 10)), statement(D(2026, 1, 12)), warning(D(2026, 1, 15), D(2026, 12, 31))],
     D(2026, 12, 1), [(W, D(2026, 12, 31), None)]),
    ("... not earlier", D(2026, 1, 5),
     [assess, talk(D(2026, 1, 10)), statement(D(2026, 1, 12)), warning(D(2026, 1, 15), D(2026, 12, 31))],
     D(2026, 11, 30), []),
    ("... and not once it has lapsed", D(2026, 1, 5),
     [assess, talk(D(2026, 1, 10)), statement(D(2026, 1, 12)), warning(D(2026, 1, 15), D(2026, 12, 31))],
     D(2027, 1, 1), []),
    ("... also when the case is closed", D(2026, 1, 5),
     [assess, talk(D(2026, 1, 10)), statement(D(2026, 1, 12)), warning(D(2026, 1, 15), D(2026, 12, 31)), close],
     D(2026, 12, 24), [(W, D(2026, 12, 31), None)]),
    ("an erased case has no deadlines at all", D(2026, 1, 5),
     [assess, talk(D(2026, 1, 10)), statement(D(2026, 1, 12)), warning(D(2026, 1, 15), D(2026, 12, 31)), close,
      erase], D(2026, 12, 24), []),
]


@pytest.mark.parametrize(("name", "incident", "moves", "today", "expected"), CASES, ids=[c[0] for c in CASES])
def test_deadlines_follow_the_events(name, incident, moves, today, expected):
    case = report(incident)
    for move in moves:
        move(case, today)
    found = [(d.kind.value, d.due_on, None if d.resolved_by_step is None else d.resolved_by_step.value)
             for d in derive(case_facts(case), NO_IDLE, today)]
    assert found == expected


def test_a_hearing_reminder_goes_out_the_day_a_warning_becomes_possible():
    case = report(D(2026, 3, 2))
    hearing(D(2026, 3, 27))(case, D(2026, 3, 30))
    [deadline] = derive(case_facts(case), NO_IDLE, D(2026, 4, 15))
    assert deadline.remind_on == D(2026, 4, 16)
    assert not deadline.overdue(D(2026, 4, 15)) and deadline.overdue(D(2026, 4, 16))
    # The aggregate agrees: the warning is allowed from that very day.
    assert not case.employee_heard_by(D(2026, 4, 15)) and case.employee_heard_by(D(2026, 4, 16))


def facts(status: Status, last_activity_on: date, **overrides: object) -> CaseFacts:
    values: dict[str, object] = dict(
        case_id="c1", unit="tandplejen", status=status, last_activity_on=last_activity_on, hearing=None,
        warnings_valid_until=(), closed_on=None, outcome=None, personal_data_erased=False, heard=False,
    )
    values.update(overrides)
    return CaseFacts(**values)  # type: ignore[arg-type]


RULES = DeadlineRules(idle_days={Status.WARNING_ISSUED: 30}, default_idle_days=14)

IDLE = [
    # status, last step, today, heard, expected (due_on, resolved_by_step) or None
    (Status.REPORTED, D(2026, 3, 1), D(2026, 3, 14), False, None),
    (Status.REPORTED, D(2026, 3, 1), D(2026, 3, 15), False, (D(2026, 3, 15), Step.ASSESSMENT)),
    (Status.ASSESSED, D(2026, 3, 1), D(2026, 4, 1), False, (D(2026, 3, 15), Step.TALK)),
    (Status.TALK_HELD, D(2026, 3, 1), D(2026, 3, 20), False, (D(2026, 3, 15), Step.HEARING)),
    (Status.TALK_HELD, D(2026, 3, 1), D(2026, 3, 20), True, (D(2026, 3, 15), Step.WARNING)),
    (Status.WARNING_ISSUED, D(2026, 3, 1), D(2026, 3, 20), True, None),  # 30 days for this status
    (Status.WARNING_ISSUED, D(2026, 3, 1), D(2026, 3, 31), True, (D(2026, 3, 31), Step.CLOSURE)),
    (Status.CLOSED, D(2026, 3, 1), D(2027, 3, 1), True, None),
]


@pytest.mark.parametrize(("status", "last", "today", "heard", "expected"), IDLE)
def test_a_case_without_a_step_for_its_idle_days_is_idle(status, last, today, heard, expected):
    found = [(d.due_on, d.resolved_by_step) for d in derive(facts(status, last, heard=heard), RULES, today)
             if d.kind is DeadlineKind.IDLE]
    assert found == ([] if expected is None else [expected])


def test_retention_is_announced_thirty_days_ahead_and_resolved_by_erasure():
    rules = DeadlineRules(default_idle_days=14, retention_due_on=lambda outcome, closed: closed + timedelta(days=365))
    closed = facts(Status.CLOSED, D(2026, 1, 10), closed_on=D(2026, 1, 10), outcome=Outcome.DISMISSED)
    assert derive(closed, rules, D(2026, 12, 10)) == []
    [deadline] = derive(closed, rules, D(2026, 12, 11))
    assert (deadline.kind, deadline.due_on, deadline.resolved_by_step) == (
        DeadlineKind.RETENTION, D(2027, 1, 10), Step.ERASURE)
    assert derive(closed, DeadlineRules(), D(2027, 2, 1)) == []  # no policy, no retention deadline


def test_the_case_lists_overdue_flag_is_the_hearing_deadline_overdue():
    today = D(2026, 4, 16)
    for deadline, answered, closed in [(D(2026, 4, 15), False, False), (D(2026, 4, 16), False, False),
                                       (D(2026, 4, 15), True, False), (D(2026, 4, 15), False, True)]:
        status = Status.CLOSED if closed else Status.ASSESSED
        derived = derive(facts(status, today, hearing=HearingFacts(D(2026, 4, 1), deadline, answered)),
                         NO_IDLE, today)
        overdue = any(d.kind is DeadlineKind.HEARING and d.overdue(today) for d in derived)
        assert hearing_overdue(deadline, answered=answered, closed=closed, today=today) is overdue


@pytest.mark.parametrize(("text", "expected"), [
    ("", (14, {})),
    ("10", (10, {})),
    ("10,reported=3, warning_issued=30", (10, {Status.REPORTED: 3, Status.WARNING_ISSUED: 30})),
])
def test_idle_days_are_read_from_settings(text, expected):
    assert parse_idle_days(text) == expected


@pytest.mark.parametrize("text", ["0", "x", "closed=3", "reported=", "unknown=4", "99999"])
def test_unreadable_idle_days_are_refused(text):
    with pytest.raises(ValueError):
        parse_idle_days(text)
