"""The retention policy: read strictly, and counted in calendar years, months or days from the closure."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.config import ConfigurationError, Settings
from domain.values import Outcome
from service.retention import DEFAULT_RETENTION, InvalidRetentionPolicy, Period, RetentionPolicy


def test_the_default_keeps_dismissed_cases_a_year_and_the_others_five():
    policy = Settings.from_environ({}).retention

    assert str(policy) == DEFAULT_RETENTION == "dismissed=1y,resolved=5y,sanctioned=5y,referred=5y"
    assert policy.due_on(Outcome.DISMISSED, date(2026, 3, 1)) == date(2027, 3, 1)
    assert policy.due_on(Outcome.SANCTIONED, date(2026, 3, 1)) == date(2031, 3, 1)


def test_a_policy_names_each_outcome_once_in_years_months_days_or_never():
    policy = RetentionPolicy.parse(" dismissed = 18m, resolved=90d ,sanctioned=10y,referred=never ")

    assert str(policy) == "dismissed=18m,resolved=90d,sanctioned=10y,referred=never"
    assert policy.due_on(Outcome.DISMISSED, date(2026, 1, 31)) == date(2027, 7, 31)
    assert policy.due_on(Outcome.RESOLVED, date(2026, 1, 31)) == date(2026, 5, 1)
    assert policy.due_on(Outcome.REFERRED, date(2026, 1, 31)) is None


def test_months_and_years_end_on_the_last_day_when_the_day_does_not_exist():
    assert Period(1, "y").after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert Period(1, "m").after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Period(13, "m").after(date(2026, 12, 15)) == date(2028, 1, 15)


@pytest.mark.parametrize("text, problem", [
    ("dismissed=1y", "missing: resolved, sanctioned, referred"),
    ("dismissed=1y,resolved=5y,sanctioned=5y,referred=5y,dismissed=2y", "'dismissed' is named twice"),
    ("dismissed=1y,resolved=5y,sanctioned=5y,withdrawn=5y", "'withdrawn' is not an outcome"),
    ("dismissed=1 y,resolved=5y,sanctioned=5y,referred=5y", "'1 y' is not a period"),
    ("dismissed=1w,resolved=5y,sanctioned=5y,referred=5y", "'1w' is not a period"),
    ("dismissed=-1y,resolved=5y,sanctioned=5y,referred=5y", "'-1y' is not a period"),
    ("dismissed=0d,resolved=5y,sanctioned=5y,referred=5y", "0d is out of range"),
    ("dismissed=101y,resolved=5y,sanctioned=5y,referred=5y", "101y is out of range"),
    ("dismissed=1y;resolved=5y", "is not a period"),
    ("dismissed=1y,,resolved=5y,sanctioned=5y,referred=5y", "is not outcome=period"),
    ("five years", "'five years' is not outcome=period"),
])
def test_nonsense_is_refused_with_what_is_wrong_and_how_to_write_it(text, problem):
    with pytest.raises(InvalidRetentionPolicy) as raised:
        RetentionPolicy.parse(text)
    assert problem in str(raised.value)
    assert DEFAULT_RETENTION in str(raised.value)

    with pytest.raises(ConfigurationError) as configured:
        Settings.from_environ({"BREACHTRAIL_RETENTION": text})
    assert str(configured.value).startswith("BREACHTRAIL_RETENTION: ")
