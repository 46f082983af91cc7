"""Bodies and answers of the staff, review, introduction and coverage routes."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from adapters.http.fields import PlausibleDate, Text
from adapters.http.representations import always_present
from domain.case import NAME_MAX_LENGTH, REF_MAX_LENGTH
from domain.staff import MAX_REVIEW_PARTICIPANTS, POLICY_ID_MAX_LENGTH, AcknowledgementMethod

INTRODUCTION_METHODS = [m.value for m in AcknowledgementMethod.introduction_methods()]


class PolicyVersionSchema(Schema):
    """A version of a policy: omitted, the version in force in the unit on the day is meant."""

    class Meta:
        unknown = RAISE

    policy_id = Text(required=True, max_length=POLICY_ID_MAX_LENGTH)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class NewStaffMemberSchema(Schema):
    class Meta:
        unknown = RAISE

    employee_ref = Text(required=True, max_length=REF_MAX_LENGTH,
                        metadata={"description": "The municipality's own reference for the employee."})
    name = Text(required=True, max_length=NAME_MAX_LENGTH)
    start_date = PlausibleDate(ahead=True, required=True)
    end_date = PlausibleDate(ahead=True, load_default=None, allow_none=True)


class StaffMemberChangeSchema(Schema):
    """Only the fields sent change; `"end_date": null` takes a leaver back."""

    class Meta:
        unknown = RAISE

    name = Text(max_length=NAME_MAX_LENGTH)
    start_date = PlausibleDate(ahead=True)
    end_date = PlausibleDate(ahead=True, allow_none=True)

    @validates_schema
    def something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("send at least one of name, start_date, end_date", "_schema")


class ReviewSchema(Schema):
    class Meta:
        unknown = RAISE

    held_on = PlausibleDate(required=True)
    led_by = Text(required=True, max_length=NAME_MAX_LENGTH, metadata={"description": "Who led the review."})
    participants = fields.List(
        Text(max_length=REF_MAX_LENGTH), required=True,
        validate=validate.Length(min=1, max=MAX_REVIEW_PARTICIPANTS),
        metadata={"description": "Employee references from the unit's staff list."},
    )
    policy = fields.Nested(PolicyVersionSchema, load_default=None)


class IntroductionSchema(Schema):
    class Meta:
        unknown = RAISE

    acknowledged_on = PlausibleDate(required=True)
    method = fields.String(required=True, validate=validate.OneOf(INTRODUCTION_METHODS))
    policy = fields.Nested(PolicyVersionSchema, load_default=None)


class CoverageQuerySchema(Schema):
    on = PlausibleDate(ahead=True, metadata={"description": "The day to count on; today when left out."})


@always_present
class PolicyVersionOut(Schema):
    policy_id = fields.String()
    version = fields.Integer()


@always_present
class StaffMemberOut(Schema):
    employee_ref = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    unit = fields.String()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    personal_data_erased = fields.Boolean(attribute="erased")


@always_present
class ReviewOut(Schema):
    id = fields.String()
    unit = fields.String()
    held_on = fields.Date()
    policy = fields.Nested(PolicyVersionOut)
    led_by = fields.String(allow_none=True)
    participants = fields.List(fields.String())
    recorded_by = fields.String()


@always_present
class AcknowledgementOut(Schema):
    policy = fields.Nested(PolicyVersionOut, allow_none=True)
    staff_list_kept = fields.Boolean()
    on_staff_list = fields.Boolean()
    acknowledged = fields.Boolean()
    acknowledged_on = fields.Date(allow_none=True)
    method = fields.String(allow_none=True)


@always_present
class CoveredOut(Schema):
    employee_ref = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    acknowledged_on = fields.Date()
    method = fields.String()


@always_present
class MissingOut(Schema):
    employee_ref = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    employed_since = fields.Date()
    new_starter = fields.Boolean()
    introduction_due_on = fields.Date(allow_none=True)
    introduction_overdue = fields.Boolean()


@always_present
class UnitCoverageOut(Schema):
    unit = fields.String()
    on = fields.Date()
    policy = fields.Nested(PolicyVersionOut, allow_none=True)
    employees = fields.Integer()
    acknowledged = fields.Integer()
    missing_count = fields.Integer()
    covered = fields.List(fields.Nested(CoveredOut))
    missing = fields.List(fields.Nested(MissingOut))
    introductions_overdue = fields.List(fields.Nested(MissingOut))


@always_present
class AnonymisedCoverageOut(Schema):
    unit = fields.String()
    policy = fields.Nested(PolicyVersionOut, allow_none=True)
    employees = fields.Integer()
    missing = fields.Integer(allow_none=True, metadata={"description": "null: under k (missing_under_k)."})
    missing_under_k = fields.Boolean()
    coverage_percent_min = fields.Integer()
    coverage_percent_max = fields.Integer()


@always_present
class CoverageOut(Schema):
    on = fields.Date()
    k = fields.Integer()
    units = fields.List(fields.Nested(AnonymisedCoverageOut))
