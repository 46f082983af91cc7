"""What clients get back: a case, its history, a page of the case list, the policy rules.

Each schema mirrors a plain view of the service (``service.views``): dates are written
``YYYY-MM-DD``, times ISO 8601 with their offset. Every field is always present; the ones that
erasure or an untaken step leave empty are ``null``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from marshmallow import Schema, fields, validate

from adapters.http.case_json import case_json
from adapters.http.fields import EventData
from domain.values import Channel, Outcome, Role, Severity, Status, Step
from service.views import CaseView

S = TypeVar("S", bound=type[Schema])


def always_present(schema: S) -> S:
    """Document every field of a response schema as present (``null`` where it may be)."""
    for field in schema._declared_fields.values():
        field.required = True
    return schema


def _one_of(enum: type) -> validate.OneOf:
    return validate.OneOf([member.value for member in enum])  # type: ignore[attr-defined]


def _nullable_text() -> fields.String:
    return fields.String(allow_none=True, metadata={"description": "null once personal data is erased"})


@always_present
class EmployeeOut(Schema):
    ref = fields.String()
    name = fields.String(allow_none=True)


@always_present
class AssessmentOut(Schema):
    work_environment_issue = fields.Boolean()
    severity = fields.String(validate=_one_of(Severity))
    notes = _nullable_text()
    assessed_at = fields.DateTime()
    assessed_by = fields.String()


@always_present
class HearingOut(Schema):
    sent_on = fields.Date()
    deadline = fields.Date()
    deadline_passed = fields.Boolean()
    opened_at = fields.DateTime()
    opened_by = fields.String()


@always_present
class StatementOut(Schema):
    received_on = fields.Date()
    summary = _nullable_text()
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


@always_present
class TalkOut(Schema):
    held_on = fields.Date()
    participants = fields.List(fields.String(), metadata={"description": "empty once personal data is erased"})
    union_rep_present = fields.Boolean()
    summary = _nullable_text()
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


@always_present
class WarningOut(Schema):
    issued_on = fields.Date()
    text = _nullable_text()
    valid_until = fields.Date(allow_none=True)
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


@always_present
class NoteOut(Schema):
    text = _nullable_text()
    added_at = fields.DateTime()
    added_by = fields.String()


@always_present
class EscalationOut(Schema):
    reason = _nullable_text()
    escalated_at = fields.DateTime()
    escalated_by = fields.String()


@always_present
class ClosureOut(Schema):
    outcome = fields.String(validate=_one_of(Outcome))
    reason = _nullable_text()
    closed_at = fields.DateTime()
    closed_by = fields.String()


@always_present
class ReopeningOut(Schema):
    reason = _nullable_text()
    reopened_at = fields.DateTime()
    reopened_by = fields.String()


@always_present
class ErasureOut(Schema):
    erased_at = fields.DateTime()
    erased_by = fields.String()


@always_present
class CaseSchema(Schema):
    """A case as it stands (or stood, at an earlier version)."""

    id = fields.UUID()
    version = fields.Integer(metadata={"description": "Also sent as the ETag, quoted."})
    unit = fields.String()
    status = fields.String(validate=_one_of(Status))
    employee = fields.Nested(EmployeeOut, allow_none=True, metadata={"description": "null once erased"})
    occurred_on = fields.Date()
    rules = fields.List(fields.String())
    channel = fields.String(validate=_one_of(Channel))
    description = _nullable_text()
    reported_at = fields.DateTime()
    reported_by = fields.String()
    last_activity_at = fields.DateTime()
    assessment = fields.Nested(AssessmentOut, allow_none=True)
    hearing = fields.Nested(HearingOut, allow_none=True, metadata={"description": "The latest hearing."})
    hearings = fields.List(fields.Nested(HearingOut))
    employee_heard = fields.Boolean(
        metadata={"description": "A statement recorded, or a hearing whose deadline has passed."}
    )
    statements = fields.List(fields.Nested(StatementOut))
    talks = fields.List(fields.Nested(TalkOut))
    warnings = fields.List(fields.Nested(WarningOut))
    notes = fields.List(fields.Nested(NoteOut))
    escalation = fields.Nested(EscalationOut, allow_none=True)
    closure = fields.Nested(ClosureOut, allow_none=True)
    reopenings = fields.List(fields.Nested(ReopeningOut))
    personal_data_erased = fields.Boolean()
    erasure = fields.Nested(ErasureOut, allow_none=True)
    allowed_steps = fields.List(
        fields.String(validate=_one_of(Step)),
        metadata={"description": "Steps the case's status allows now (a warning may still need a hearing)."},
    )
    policy = fields.Nested(
        "PolicyCitationOut",
        metadata={"description": "The policy text the case cites: the version in force in its unit on occurred_on."},
    )
    rule_texts = fields.List(
        fields.Nested("RuleTextOut"),
        metadata={"description": "Each rule in `rules`, in the words of that version, for good."},
    )

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """One case: written out by ``case_json``, the same output without marshmallow's per-field cost."""
        if isinstance(obj, CaseView) and not (self.many if many is None else many) \
                and self.only is None and not self.exclude:
            return case_json(obj)
        return super().dump(obj, many=many)


@always_present
class ActorOut(Schema):
    id = fields.String()
    role = fields.String(validate=_one_of(Role))


@always_present
class HistoryEntrySchema(Schema):
    """One event of a case's audit trail."""

    version = fields.Integer()
    type = fields.String(metadata={"description": "The event's name, e.g. IncidentReported."})
    recorded_at = fields.DateTime()
    actor = fields.Nested(ActorOut)
    data = EventData(metadata={"type": "object", "description": "What the event recorded; "
                                                                "personal data is null once erased."})


@always_present
class CaseSummarySchema(Schema):
    """One row of the case list: no free texts."""

    id = fields.UUID()
    version = fields.Integer()
    unit = fields.String()
    status = fields.String(validate=_one_of(Status))
    employee = fields.Nested(EmployeeOut, allow_none=True)
    occurred_on = fields.Date()
    rules = fields.List(fields.String())
    channel = fields.String(validate=_one_of(Channel))
    reported_at = fields.DateTime()
    reported_by = fields.String()
    last_activity_at = fields.DateTime()
    hearing_deadline = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    personal_data_erased = fields.Boolean()


@always_present
class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer(metadata={"description": "Cases matching the filters, on all pages."})


@always_present
class PolicyCitationOut(Schema):
    id = fields.String(metadata={"description": "The policy's id, e.g. tandplejen-udkast-2026."})
    version = fields.Integer()
    adaptation = fields.Integer(allow_none=True, metadata={"description": "The unit's adaptation, if any."})


@always_present
class RuleTextOut(Schema):
    code = fields.String(metadata={"description": "e.g. 4.3"})
    title_da = fields.String()
    title_en = fields.String()
    text_da = fields.String()
    text_en = fields.String()


@always_present
class PolicyRuleSchema(Schema):
    code = fields.String(metadata={"description": "e.g. 4.1"})
    section = fields.String(metadata={"description": "e.g. 4"})
    title_da = fields.String()
    title_en = fields.String()
    text_da = fields.String(metadata={"description": "The rule's full text, in the policy's own Danish words."})
    text_en = fields.String()
