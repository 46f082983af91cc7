"""What clients send to, and get back from, the policy routes: bodies, query strings, answers.

A policy text travels whole, in the Markdown format of ``domain/policy_text.py`` (the format of
``domain/policies/tandplejen-udkast-2026.md``), as the string ``text``.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from adapters.http.fields import PlausibleDate, Text
from adapters.http.representations import always_present
from adapters.http.schemas import _unit
from domain.policy import MAX_BODIES, NAME_MAX_LENGTH
from domain.policy_records import Position, VersionStatus
from domain.validation import TEXT_MAX_LENGTH

#: A policy text is a few pages; room for a long one, far below the request limit.
POLICY_TEXT_MAX_LENGTH = 60_000
_POLICY_ID = {"description": "The policy's id: the `key` of its text, e.g. `tandplejen-udkast-2026`."}


def _name(description: str, **kwargs: object) -> Text:
    return Text(max_length=NAME_MAX_LENGTH, metadata={"description": description}, **kwargs)  # type: ignore[arg-type]


def _policy_text(description: str) -> Text:
    return Text(required=True, max_length=POLICY_TEXT_MAX_LENGTH, multiline=True,
                metadata={"description": description})


# --- requests -------------------------------------------------------------------------------


class ScopeSchema(Schema):
    unit = _unit(load_default=None, allow_none=True)


class BasedOnSchema(Schema):
    id = _name("The policy this one builds on.", required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class DraftPolicySchema(Schema):
    text = _policy_text("The first version's text, in the policy Markdown format.")
    scope = fields.Nested(ScopeSchema, load_default=None, allow_none=True,
                          metadata={"description": "`{\"unit\": null}` (the default): the whole area."})
    based_on = fields.Nested(BasedOnSchema, load_default=None, allow_none=True)


class ReviseSchema(Schema):
    text = _policy_text("The new version's text; its key stays the policy's id.")


class ConsultationSchema(Schema):
    bodies = fields.List(_name("A body to consult, e.g. `LMU tandplejen`."), required=True,
                         validate=validate.Length(min=1, max=MAX_BODIES))
    deadline = PlausibleDate(ahead=True, required=True, metadata={"description": "The day answers are due."})
    sent_on = PlausibleDate(load_default=None, allow_none=True, metadata={"description": "Default: today."})


class ResponseSchema(Schema):
    body = _name("The consulted body that answered.", required=True)
    received_on = PlausibleDate(required=True)
    position = fields.Enum(Position, by_value=True, required=True)
    summary = Text(required=True, max_length=TEXT_MAX_LENGTH, multiline=True)


class ConsultationClosureSchema(Schema):
    closed_on = PlausibleDate(load_default=None, allow_none=True, metadata={"description": "Default: today."})


class ApprovalSchema(Schema):
    body = _name("The body that approved it: MED, OMU, an LMU.", required=True)
    meeting_on = PlausibleDate(required=True)
    reference = _name("The minutes' reference, e.g. a case number.", required=True)


class EntryIntoForceSchema(Schema):
    in_force_from = PlausibleDate(ahead=True, required=True, data_key="from",
                                 metadata={"description": "The first day the version is in force."})


class AdaptationSchema(Schema):
    unit = _unit(required=True)
    text = _policy_text("The unit's whole text: every rule of the version, reworded or not, and any added.")
    body = _name("The body that approved it, normally the unit's LMU.", required=True)
    meeting_on = PlausibleDate(required=True)
    reference = _name("The minutes' reference.", required=True)
    in_force_from = PlausibleDate(ahead=True, required=True, data_key="from")


class WithdrawalSchema(Schema):
    on = PlausibleDate(ahead=True, required=True,
                       metadata={"description": "The first day the policy no longer applies."})
    reason = Text(required=True, max_length=TEXT_MAX_LENGTH, multiline=True)


class SupersessionSchema(Schema):
    by = _name("The policy that takes over.", required=True)
    on = PlausibleDate(ahead=True, required=True)


class RulesQuerySchema(Schema):
    unit = _unit(load_default=None)  # none: the area's common guideline
    on = PlausibleDate(ahead=True, load_default=None, metadata={"description": "Default: today."})


class VersionQuerySchema(Schema):
    unit = _unit(load_default=None)  # show this unit's adaptation of the version, if any


# --- answers --------------------------------------------------------------------------------


@always_present
class ApprovalOut(Schema):
    body = fields.String()
    meeting_on = fields.Date()
    reference = fields.String()
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


@always_present
class ResponseOut(Schema):
    body = fields.String()
    received_on = fields.Date()
    position = fields.String(validate=validate.OneOf([p.value for p in Position]))
    summary = fields.String()
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


@always_present
class ConsultationOut(Schema):
    bodies = fields.List(fields.String())
    sent_on = fields.Date()
    deadline = fields.Date()
    deadline_passed = fields.Boolean()
    open = fields.Boolean()
    closed_on = fields.Date(allow_none=True)
    awaiting = fields.List(fields.String(), metadata={"description": "Bodies that have not answered."})
    overdue = fields.Boolean(metadata={"description": "Open, past its deadline, with bodies yet to answer."})
    sent_by = fields.String()
    responses = fields.List(fields.Nested(ResponseOut))


@always_present
class AdaptationOut(Schema):
    unit = fields.String()
    number = fields.Integer()
    in_force_from = fields.Date()
    approval = fields.Nested(ApprovalOut)
    rules = fields.List(fields.String())


@always_present
class VersionOut(Schema):
    number = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in VersionStatus]))
    in_force_now = fields.Boolean()
    title_da = fields.String()
    title_en = fields.String()
    drafted_at = fields.DateTime()
    drafted_by = fields.String()
    consultation = fields.Nested(ConsultationOut, allow_none=True)
    approval = fields.Nested(ApprovalOut, allow_none=True)
    in_force_from = fields.Date(allow_none=True)
    installation_default = fields.Boolean()
    adaptations = fields.List(fields.Nested(AdaptationOut))
    rules = fields.List(fields.String())


@always_present
class VersionBriefOut(Schema):
    number = fields.Integer()
    status = fields.String()


@always_present
class EndOut(Schema):
    on = fields.Date()
    reason = fields.String()
    superseded_by = fields.String(allow_none=True)
    recorded_by = fields.String()


@always_present
class PolicyHeadOut(Schema):
    id = fields.String(metadata=_POLICY_ID)
    title_da = fields.String()
    title_en = fields.String()
    scope = fields.Nested(ScopeSchema)
    based_on = fields.Nested(BasedOnSchema, allow_none=True)
    drafted_at = fields.DateTime()
    drafted_by = fields.String()
    latest_version = fields.Integer()
    version_in_force = fields.Integer(allow_none=True, metadata={"description": "In its own scope, today."})
    ended = fields.Nested(EndOut, allow_none=True)


class PolicySummaryOut(PolicyHeadOut):
    versions = fields.List(fields.Nested(VersionBriefOut), required=True)


class PolicyOut(PolicyHeadOut):
    versions = fields.List(fields.Nested(VersionOut), required=True)


@always_present
class ParagraphOut(Schema):
    text_da = fields.String()
    text_en = fields.String()


@always_present
class ItemOut(Schema):
    code = fields.String()
    section = fields.String()
    title_da = fields.String()
    title_en = fields.String()
    text_da = fields.String()
    text_en = fields.String()


@always_present
class SectionOut(Schema):
    number = fields.Integer()
    title_da = fields.String()
    title_en = fields.String()
    kind = fields.String()
    paragraphs = fields.List(fields.Nested(ParagraphOut))
    items = fields.List(fields.Nested(ItemOut))


@always_present
class TextOut(Schema):
    key = fields.String()
    title_da = fields.String()
    title_en = fields.String()
    scope = fields.String()
    source = fields.String()
    sections = fields.List(fields.Nested(SectionOut))


@always_present
class AdaptationRefOut(Schema):
    unit = fields.String()
    number = fields.Integer()


@always_present
class VersionTextOut(Schema):
    policy = fields.String(metadata=_POLICY_ID)
    version = fields.Integer()
    status = fields.String()
    adaptation = fields.Nested(AdaptationRefOut, allow_none=True)
    text = fields.Nested(TextOut)
