"""What clients may send: request bodies and query strings, validated field by field.

The domain checks its own invariants again (dates before the incident, a blank text); these
schemas refuse what can never be valid before the service is asked.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from adapters.http.fields import Count, Moment, PlausibleDate, StrictBoolean, Text
from domain.case import MAX_PARTICIPANTS, NAME_MAX_LENGTH, REF_MAX_LENGTH, TEXT_MAX_LENGTH
from domain.rules import rule_codes
from domain.values import UNIT_MAX_LENGTH, UNIT_PATTERN, Channel, Outcome, Severity, Status

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
# Far beyond any real list, and small enough that an offset always fits a database integer.
MAX_PAGE = 1_000_000
MAX_VERSION = 2**31 - 1
RULE_CODE_PATTERN = r"^[1-9][0-9]{0,2}\.[1-9][0-9]{0,2}$"
MAX_RULES = 50


def _unit(**kwargs: object) -> Text:
    return Text(
        max_length=UNIT_MAX_LENGTH,
        validate=validate.Regexp(UNIT_PATTERN, error="Must be a slug of lowercase letters, digits and hyphens."),
        metadata={"description": "A unit slug such as `tandplejen` or `dagtilbud-nord`."},
        **kwargs,  # type: ignore[arg-type]
    )


def _free_text(description: str, **kwargs: object) -> Text:
    return Text(max_length=TEXT_MAX_LENGTH, multiline=True, metadata={"description": description},
                **kwargs)  # type: ignore[arg-type]


def _past_date(description: str) -> PlausibleDate:
    return PlausibleDate(required=True, metadata={
        "description": f"{description} From the installation's earliest date (`x-earliest-date`, by default "
                       "2000-01-01) to today."})


def _day_ahead(description: str) -> PlausibleDate:
    return PlausibleDate(ahead=True, load_default=None, allow_none=True, metadata={
        "description": f"{description} From the installation's earliest date (`x-earliest-date`) to "
                       "`x-horizon-days` days after today."})


class EmployeeSchema(Schema):
    ref = Text(required=True, max_length=REF_MAX_LENGTH,
               metadata={"description": "The municipality's own reference for the employee."})
    name = Text(load_default=None, allow_none=True, min_length=0, max_length=NAME_MAX_LENGTH)


class ReportIncidentSchema(Schema):
    """A new case: who, where, when, which rules, on which channel, and what happened."""

    unit = _unit(required=True)
    employee = fields.Nested(EmployeeSchema, required=True)
    occurred_on = _past_date("The day of the incident; not in the future.")
    rules = fields.List(
        # Which codes exist depends on the version in force in the unit on occurred_on.
        # The document lists the shipped draft's codes, which every fresh installation has in force;
        # a revised version or a unit's adaptation may add others, which the service checks.
        fields.String(validate=validate.Regexp(RULE_CODE_PATTERN, error="Must be a rule code such as 4.3."),
                      metadata={"enum": rule_codes()}),
        required=True,
        validate=validate.Length(min=1, max=MAX_RULES),
        metadata={"description": "Codes of the rules the incident breaches, of the policy version in force in "
                  "the unit on occurred_on (see /policy/rules?unit=&on=), each once.",
                  "uniqueItems": True},
    )
    channel = fields.Enum(Channel, by_value=True, required=True)
    description = _free_text("What happened.", required=True)


class AssessmentSchema(Schema):
    work_environment_issue = StrictBoolean(required=True)
    severity = fields.Enum(Severity, by_value=True, required=True)
    notes = _free_text("Why the case was assessed so.", load_default=None, allow_none=True, min_length=0)


class HearingSchema(Schema):
    sent_on = _past_date("The day the employee was asked for their account.")
    deadline = _day_ahead("After sent_on; by default ten Danish working days after it.")


class StatementSchema(Schema):
    received_on = _past_date("The day the employee's account was received.")
    summary = _free_text("The employee's account.", required=True)


class TalkSchema(Schema):
    held_on = _past_date("The day of the disciplinary talk.")
    participants = fields.List(
        Text(max_length=NAME_MAX_LENGTH), required=True, validate=validate.Length(min=1, max=MAX_PARTICIPANTS)
    )
    union_rep_present = StrictBoolean(required=True)
    summary = _free_text("What was said.", required=True)


class WarningSchema(Schema):
    issued_on = _past_date("The day the written warning was issued.")
    text = _free_text("The warning as given to the employee.", required=True)
    valid_until = _day_ahead("The last day the warning counts, after issued_on; none: no end.")
    unacknowledged_policy_reason = _free_text(
        "Needed when the employee had not acknowledged the policy version the case cites (see "
        "GET /cases/<id>/policy-acknowledgement): why the warning is issued all the same. Stored with it.",
        load_default=None, allow_none=True,
    )


class EscalationSchema(Schema):
    reason = _free_text("Why the case goes beyond a written warning.", required=True)


class NoteSchema(Schema):
    text = _free_text("The note.", required=True)


class ClosureSchema(Schema):
    outcome = fields.Enum(Outcome, by_value=True, required=True)
    reason = _free_text("Why the case is closed so.", required=True)


class ReopeningSchema(Schema):
    reason = _free_text("Why the case is reopened.", required=True)


class ErasureSchema(Schema):
    reason = _free_text("Why the personal data is erased now (the retention rule applied).", required=True)


class CaseListQuerySchema(Schema):
    """Filters of the case list; a filter left out does not filter."""

    unit = _unit()
    status = fields.String(validate=validate.OneOf([status.value for status in Status]))
    rule = fields.String(validate=validate.OneOf(rule_codes()))
    overdue = fields.Boolean(
        truthy={"true"},
        falsy={"false"},
        metadata={"description": "true: only open cases whose hearing deadline passed without a statement; "
                                 "false: only the others."},
    )
    page = Count(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = Count(load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class CaseVersionQuerySchema(Schema):
    version = Count(
        validate=validate.Range(min=1, max=MAX_VERSION),
        metadata={"description": "Show the case as it stood after its N-th event."},
    )
    as_of = Moment(
        metadata={"description": "Show the case as it stood at this moment (after the last event recorded at "
                                 "or before it): an ISO 8601 time with its offset, `2026-06-10T14:30:00+02:00` "
                                 "(in a URL write `+` as `%2B`) or `2026-06-10T12:30:00Z`. Before the case was "
                                 "reported: 404. Not together with version."},
    )

    @validates_schema
    def version_or_as_of(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "version" in data and "as_of" in data:
            raise ValidationError("Ask for a version or a moment (as_of), not both.", field_name="as_of")
