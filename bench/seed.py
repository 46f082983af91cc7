"""Bulk data for the benchmarks, written through the application (not over HTTP).

Cases are built with the domain's own commands and saved a batch per transaction with
``CaseService.save``, so every event goes through the same mapper (per-case encryption),
the same inline projection (case list, statistics facts) and the same event chain as a
request would; only HTTP and one-transaction-per-case are left out, to keep seeding
100,000 cases within minutes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from domain.case import Case
from domain.policy_in_force import default_citation
from domain.rules import rule_codes
from domain.values import Actor, Channel, Outcome, Role, Severity
from service.cases import CaseService

SEED_ACTOR = Actor("bench-seed", Role.HR)
UNITS = tuple(
    ["tandplejen", "skoler", "dagtilbud-nord", "dagtilbud-syd", "sundhedsplejen", "ppr", "familiecentret",
     "ungdomsskolen", "klubber", "specialtilbud", "boernehuse", "fritid"]
)
BATCH = 250
LONG_CASE_SAVE = 25
DESCRIPTION = "Delte billeder fra personalerummet i en lukket gruppe uden at spørge kollegerne først."

Progress = Callable[[int], None]


def _report(rng: random.Random, number: int, today: date) -> Case:
    codes = rule_codes()
    rules = rng.sample(codes, 1 if rng.random() < 0.7 else 2)
    return Case.report(
        actor=SEED_ACTOR,
        unit=rng.choice(UNITS),
        employee_ref=f"E-{number:06d}",
        employee_name=f"Medarbejder {number}",
        occurred_on=today - timedelta(days=rng.randrange(0, 3 * 365)),
        rules=rules,
        channel=rng.choice(list(Channel)),
        description=DESCRIPTION,
        today=today,
        policy=default_citation(),
    )


def _advance(case: Case, rng: random.Random, today: date) -> None:
    """Take the case some way along its steps, so statuses and outcomes are spread as in real use."""
    roll = rng.random()
    if roll < 0.30:
        return  # reported
    case.assess(actor=SEED_ACTOR, work_environment_issue=rng.random() < 0.5,
                severity=rng.choice(list(Severity)), notes="Vurderet på baggrund af indberetningen.")
    if roll < 0.50:
        return  # assessed
    if roll < 0.62:
        case.hold_talk(actor=SEED_ACTOR, held_on=today, participants=["Leder", "Medarbejder"],
                       union_rep_present=rng.random() < 0.5, summary="Tjenstlig samtale afholdt.", today=today)
        if roll < 0.58:
            return  # talk held
        case.record_statement(actor=SEED_ACTOR, received_on=today, summary="Medarbejderens bemærkninger.",
                              today=today)
        case.issue_warning(actor=SEED_ACTOR, issued_on=today, text="Skriftlig advarsel.", valid_until=None,
                           today=today)
        return  # warning issued
    case.close(actor=SEED_ACTOR, outcome=rng.choice(list(Outcome)), reason="Sagen er afsluttet.")


def seed_cases(service: CaseService, count: int, *, seed: int, progress: Progress | None = None) -> None:
    """Add ``count`` cases with a realistic spread of units, rules, months, statuses and outcomes."""
    rng = random.Random(seed)
    today = service.today()
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        batch = []
        for offset in range(size):
            case = _report(rng, seed * 1_000_000 + done + offset, today)
            _advance(case, rng, today)
            batch.append(case)
        service.save(*batch)
        done += size
        if progress is not None:
            progress(size)


def seed_short_case(service: CaseService) -> UUID:
    """A case with one event: just reported."""
    case = _report(random.Random(1), 1, service.today())
    service.save(case)
    return case.id


def seed_long_case(service: CaseService, events: int, *, kind: str = "notes",
                   progress: Progress | None = None) -> UUID:
    """A case with ``events`` events, saved 25 at a time (a snapshot falls due at each save).

    ``kind`` is what the steps are: ``notes`` (the representation grows with every event)
    or ``assessments`` (re-assessing replaces the assessment: the representation stays the
    same size, so only the cost of the history itself shows).
    """
    today = service.today()
    case = _report(random.Random(2), 2, today)
    for number in range(2, events + 1):
        if kind == "notes":
            case.add_note(actor=SEED_ACTOR, text=f"Opfølgning nr. {number}: talt med lederen om forløbet.")
        else:
            case.assess(actor=SEED_ACTOR, work_environment_issue=number % 2 == 0,
                        severity=list(Severity)[number % 3], notes=f"Vurdering nr. {number}.")
        if number % LONG_CASE_SAVE == 0 or number == events:
            service.save(case)
            if progress is not None:
                progress(LONG_CASE_SAVE)
    return case.id
