"""A case file and an access log as clients and archives get them.

The case file's ``case`` and ``history`` are exactly what ``GET /cases/<id>`` and
``GET /cases/<id>/history`` answer; the same document is served over HTTP, written by
``breachtrail export`` and kept by the retention sweep's archive.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema, fields, validate

from adapters.http.representations import ActorOut, CaseSchema, HistoryEntrySchema, always_present
from service.access_log import Read
from service.records import CASE_FILE_FORMAT, CaseFile


@always_present
class AccessEntrySchema(Schema):
    """One read of a case: who, when, which read, and the version or moment asked for."""

    at = fields.DateTime(metadata={"description": "When the case was read."})
    user = fields.Nested(ActorOut, metadata={"description": "Who read it (a user, or a system actor)."})
    read = fields.String(validate=validate.OneOf([r.value for r in Read]),
                         metadata={"description": "Which read: the case, its history, its export, or this log."})
    version = fields.Integer(allow_none=True, metadata={"description": "The version asked for (?version)."})
    as_of = fields.DateTime(allow_none=True, metadata={"description": "The moment asked for (?as_of)."})


@always_present
class ChainLinkSchema(Schema):
    """The seal of one event of the case in the tamper-evident chain."""

    notification_id = fields.Integer(metadata={"description": "The event's position in the whole event log."})
    version = fields.Integer(metadata={"description": "The event's version in the case."})
    link = fields.String(metadata={"description": "HMAC-SHA256, hex, as `GET /integrity` and `verify` check it."})


@always_present
class ExportInfoSchema(Schema):
    format = fields.String(metadata={"description": f"Always `{CASE_FILE_FORMAT}`."})
    format_version = fields.Integer(metadata={"description": "Raised when the layout changes."})
    exported_at = fields.DateTime()
    exported_by = fields.Nested(ActorOut)


@always_present
class CaseFileSchema(Schema):
    """Everything kept about one case, for an archive or a subject access request."""

    export = fields.Nested(ExportInfoSchema)
    case = fields.Nested(CaseSchema, metadata={"description": "As GET /cases/<id> shows it now."})
    history = fields.List(fields.Nested(HistoryEntrySchema), metadata={"description": "Every event, oldest first."})
    access_log = fields.List(fields.Nested(AccessEntrySchema),
                             metadata={"description": "Every read of the case, oldest first; this export included."})
    chain = fields.List(fields.Nested(ChainLinkSchema),
                        metadata={"description": "The chain links of the case's events, in log order."})


def case_file_document(case_file: CaseFile) -> dict[str, Any]:
    """The case file as JSON-ready primitives."""
    document: dict[str, Any] = CaseFileSchema().dump(case_file)
    return document


def case_file_json(case_file: CaseFile) -> str:
    """The case file as JSON text, as archived and as ``breachtrail export`` writes it."""
    return document_json(case_file_document(case_file))


def document_json(document: dict[str, Any]) -> str:
    """A case file document as JSON text: UTF-8 as it is, indented, keys in the schema's order."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
