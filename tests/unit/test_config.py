"""Settings read from the environment: every boolean setting spelled alike, a bad one named at start-up."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.config import ConfigurationError, Settings

BOOLEAN_SETTINGS = {
    "BREACHTRAIL_CREATE_TABLES": "create_tables",
    "BREACHTRAIL_INLINE_PROJECTIONS": "inline_projections",
}
SPELLINGS = [
    ("yes", True), ("no", False), ("true", True), ("false", False), ("on", True), ("off", False),
    ("1", True), ("0", False), ("YES", True), ("No", False), ("TRUE", True), ("False", False),
    ("ON", True), ("Off", False), (" off ", False),
]


@pytest.mark.parametrize("name", sorted(BOOLEAN_SETTINGS))
@pytest.mark.parametrize(("text", "expected"), SPELLINGS)
def test_every_boolean_setting_reads_every_spelling_alike(name: str, text: str, expected: bool) -> None:
    settings = Settings.from_environ({name: text})
    assert getattr(settings, BOOLEAN_SETTINGS[name]) is expected


@pytest.mark.parametrize("name", sorted(BOOLEAN_SETTINGS))
def test_an_unset_or_empty_boolean_setting_is_its_default(name: str) -> None:
    assert getattr(Settings.from_environ({}), BOOLEAN_SETTINGS[name]) is True
    assert getattr(Settings.from_environ({name: "  "}), BOOLEAN_SETTINGS[name]) is True


@pytest.mark.parametrize("name", sorted(BOOLEAN_SETTINGS))
@pytest.mark.parametrize("text", ["maybe", "2", "y", "n", "nej", "offf", "-1", "t"])
def test_any_other_spelling_is_a_clear_configuration_error(name: str, text: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_environ({name: text})
    assert name in str(raised.value)
    assert repr(text) in str(raised.value)


def test_the_earliest_date_is_2000_unless_set() -> None:
    assert Settings.from_environ({}).earliest_date == date(2000, 1, 1)
    assert Settings.from_environ({"BREACHTRAIL_EARLIEST_DATE": " 2015-03-01 "}).earliest_date == date(2015, 3, 1)


@pytest.mark.parametrize("text", ["2015", "20150301", "2015-02-30", "١٢٣٤-٠١-٠١", "1899-12-31", "yesterday"])
def test_an_earliest_date_that_is_no_date_is_a_clear_configuration_error(text: str) -> None:
    with pytest.raises(ConfigurationError, match="BREACHTRAIL_EARLIEST_DATE"):
        Settings.from_environ({"BREACHTRAIL_EARLIEST_DATE": text})
