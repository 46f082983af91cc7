"""Checks of the fields a case's commands take (texts, rule codes, dates), and how errors are gathered.

Each check returns a message or ``None``, so a command can either collect every field's errors
before raising one ``InvalidCaseData``, or raise on the first.

A date is checked for plausibility, not only for its form: ``DateBounds`` says how early a day a
client may name (no case of this policy predates the installation's earliest date) and how far
ahead a deadline or a warning's validity may reach. Every entry point (the API, the browser
application, the command line) goes through the service, which applies them; the statistics'
ranges use the same bounds.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.errors import InvalidCaseData
from domain.rules import is_known_rule
from domain.values import is_unit_slug

TEXT_MAX_LENGTH = 5000
REF_MAX_LENGTH = 64
NAME_MAX_LENGTH = 200
MAX_PARTICIPANTS = 20

#: No day a client names lies before this, unless the installation says otherwise.
DEFAULT_EARLIEST_DATE = date(2000, 1, 1)
#: How far after today a deadline or a warning's validity may lie: five years.
HORIZON_DAYS = 5 * 365 + 1


@dataclass(frozen=True)
class DateBounds:
    """The days a client may name: from ``earliest`` to today (past days) or to today + the horizon."""

    earliest: date = DEFAULT_EARLIEST_DATE
    horizon_days: int = HORIZON_DAYS

    def latest(self, today: date) -> date:
        """The last day a deadline or a validity may fall on."""
        return today + timedelta(days=self.horizon_days)

    def past_error(self, day: date, today: date) -> str | None:
        """What is wrong with the day something happened (an incident, a talk), if anything."""
        if day < self.earliest:
            return f"must not lie before {self.earliest.isoformat()}"
        if day > today:
            return f"must not lie in the future (today is {today.isoformat()})"
        return None

    def ahead_error(self, day: date, today: date) -> str | None:
        """What is wrong with a day that may lie ahead (a deadline, a validity), if anything."""
        if day < self.earliest:
            return f"must not lie before {self.earliest.isoformat()}"
        latest = self.latest(today)
        if day > latest:
            return f"must not lie after {latest.isoformat()} ({self.horizon_days} days from today)"
        return None

    def moment_error(self, moment: datetime) -> str | None:
        """What is wrong with a moment a client asks about (``as_of``), if anything.

        A moment after today is plausible: the case as it stands now.
        """
        if moment.date() < self.earliest:
            return f"must not lie before {self.earliest.isoformat()}"
        return None

    def errors(
        self, today: date, *, past: Mapping[str, date | None] | None = None,
        ahead: Mapping[str, date | None] | None = None,
    ) -> dict[str, list[str]]:
        """Every named day's errors (empty when all are plausible); ``None`` days are not checked."""
        errors: dict[str, list[str]] = {}
        for field, day in (past or {}).items():
            if day is not None:
                collect(errors, field, self.past_error(day, today))
        for field, day in (ahead or {}).items():
            if day is not None:
                collect(errors, field, self.ahead_error(day, today))
        return errors


def text_error(value: str | None, max_length: int, *, required: bool) -> str | None:
    """What is wrong with a free text, if anything."""
    if value is None or value == "":
        return "is required" if required else None
    if not isinstance(value, str):
        return "must be a string"
    if required and not value.strip():
        return "must not be blank"
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    return None


# Characters that make a one-line text read other than it is: bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder what follows them, the invisible
# direction marks (U+200E, U+200F, U+061C) shift neutral characters, and the line and paragraph
# separators (U+2028, U+2029) and NEL (U+0085) break a line that must stay one. A name or a
# reference never needs them; free texts may hold line breaks, and their renderings show them.
MISLEADING_CHARACTERS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c", "\u2028", "\u2029", "\x85"]
)


def single_line_error(value: str | None) -> str | None:
    """What makes ``value`` unfit as a one-line text (a name, a reference), if anything."""
    if not isinstance(value, str):
        return None
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        return "must not contain control characters"
    found = sorted({c for c in value if c in MISLEADING_CHARACTERS})
    if found:
        names = ", ".join(f"U+{ord(c):04X}" for c in found)
        return f"must not contain direction controls or line separators ({names})"
    return None


def line_error(value: str | None, max_length: int, *, required: bool) -> str | None:
    """What is wrong with a one-line text, if anything: a free text's checks, and one line."""
    return text_error(value, max_length, required=required) or single_line_error(value)


def rules_error(rules: Sequence[str], known: Collection[str] | None = None) -> str | None:
    """What is wrong with the rule codes a report names, if anything.

    ``known`` holds the codes of the policy version in force (default: the default draft's);
    ``None`` when no version is in force, which the caller reports on its own.
    """
    if not rules:
        return "name at least one rule of the policy"
    unknown = [code for code in rules if not (is_known_rule(code) if known is None else code in known)]
    if unknown:
        return f"unknown rule code(s): {', '.join(map(str, unknown))}"
    if len(set(rules)) != len(rules):
        return "each rule may be named once"
    return None


def collect(errors: dict[str, list[str]], field: str, message: str | None) -> None:
    """Add ``message`` (if any) to ``field``'s errors."""
    if message is not None:
        errors.setdefault(field, []).append(message)


def raise_if(message: str | None, field: str) -> None:
    """Raise ``InvalidCaseData`` for ``field`` if there is a message."""
    if message is not None:
        raise InvalidCaseData.field(field, message)


def report_errors(
    *,
    unit: str,
    employee_ref: str,
    employee_name: str | None,
    occurred_on: date,
    rules: Sequence[str],
    description: str,
    today: date,
    known_rules: Collection[str] | None = None,
) -> dict[str, list[str]]:
    """Every field's errors in a report of an incident (empty when it is valid)."""
    errors: dict[str, list[str]] = {}
    if not is_unit_slug(unit):
        errors["unit"] = ["must be a slug of lowercase letters, digits and hyphens"]
    collect(errors, "employee.ref", line_error(employee_ref, REF_MAX_LENGTH, required=True))
    collect(errors, "employee.name", line_error(employee_name, NAME_MAX_LENGTH, required=False))
    if occurred_on > today:
        errors["occurred_on"] = [f"must not lie in the future (today is {today.isoformat()})"]
    unknown = [(i, code) for i, code in enumerate(rules)
               if not (is_known_rule(code) if known_rules is None else code in known_rules)]
    for index, code in unknown:
        errors[f"rules.{index}"] = [f"unknown rule code {code}: not a rule of the policy version in force"]
    if not unknown:
        collect(errors, "rules", rules_error(rules, known_rules))
    collect(errors, "description", text_error(description, TEXT_MAX_LENGTH, required=True))
    return errors


def talk_errors(participants: Sequence[str], summary: str) -> dict[str, list[str]]:
    """Every field's errors in the record of a talk (empty when it is valid)."""
    errors: dict[str, list[str]] = {}
    if not participants:
        errors["participants"] = ["name at least one participant"]
    elif len(participants) > MAX_PARTICIPANTS:
        errors["participants"] = [f"name at most {MAX_PARTICIPANTS} participants"]
    else:
        for index, name in enumerate(participants):
            collect(errors, f"participants.{index}", line_error(name, NAME_MAX_LENGTH, required=True))
    collect(errors, "summary", text_error(summary, TEXT_MAX_LENGTH, required=True))
    return errors


def check_step_date(field: str, day: date, *, today: date, occurred_on: date) -> None:
    """A step's date lies neither in the future nor before the incident."""
    if day > today:
        raise InvalidCaseData.field(field, f"must not lie in the future (today is {today.isoformat()})")
    if day < occurred_on:
        raise InvalidCaseData.field(field, f"must not lie before the incident ({occurred_on.isoformat()})")
