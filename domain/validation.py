"""Checks of the fields a case's commands take (texts, rule codes, dates), and how errors are gathered.

Each check returns a message or ``None``, so a command can either collect every field's errors
before raising one ``InvalidCaseData``, or raise on the first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from domain.errors import InvalidCaseData
from domain.rules import is_known_rule
from domain.values import is_unit_slug

TEXT_MAX_LENGTH = 5000
REF_MAX_LENGTH = 64
NAME_MAX_LENGTH = 200
MAX_PARTICIPANTS = 20


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
    collect(errors, "employee.ref", text_error(employee_ref, REF_MAX_LENGTH, required=True))
    collect(errors, "employee.name", text_error(employee_name, NAME_MAX_LENGTH, required=False))
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
            collect(errors, f"participants.{index}", text_error(name, NAME_MAX_LENGTH, required=True))
    collect(errors, "summary", text_error(summary, TEXT_MAX_LENGTH, required=True))
    return errors


def check_step_date(field: str, day: date, *, today: date, occurred_on: date) -> None:
    """A step's date lies neither in the future nor before the incident."""
    if day > today:
        raise InvalidCaseData.field(field, f"must not lie in the future (today is {today.isoformat()})")
    if day < occurred_on:
        raise InvalidCaseData.field(field, f"must not lie before the incident ({occurred_on.isoformat()})")
