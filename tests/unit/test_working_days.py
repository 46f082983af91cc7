from datetime import date

import pytest

from domain.working_days import add_working_days, is_working_day


def test_a_hearing_sent_on_a_monday_runs_two_calendar_weeks():
    assert add_working_days(date(2026, 9, 7), 10) == date(2026, 9, 21)


def test_easter_holidays_are_not_counted():
    # Maundy Thursday, Good Friday and Easter Monday 2026 fall on 2, 3 and 6 April.
    assert add_working_days(date(2026, 3, 30), 10) == date(2026, 4, 16)


def test_christmas_and_new_year_lengthen_the_deadline():
    # 24, 25, 26 (Saturday) and 31 December and 1 January are no working days.
    assert add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 7)


def test_weekends_and_constitution_day_are_days_off():
    assert not is_working_day(date(2026, 6, 6))  # Saturday
    assert not is_working_day(date(2026, 6, 5))  # Grundlovsdag
    assert is_working_day(date(2026, 6, 4))


def test_the_start_day_never_counts():
    assert add_working_days(date(2026, 9, 7), 1) == date(2026, 9, 8)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 9, 7), 0)
