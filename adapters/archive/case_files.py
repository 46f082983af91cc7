"""A case file as archives and exports keep it: JSON-ready primitives built from the service's views.

The case file's ``case`` and ``history`` hold exactly what ``GET /cases/<id>`` and
``GET /cases/<id>/history`` answer (a test holds the two together); the same document is
served over HTTP, written by ``breachtrail export`` and kept by the retention sweep's archive.
This module knows no HTTP schema: an archive must read the same whatever the API becomes.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from enum import Enum
from typing import Any

from service.access_log import AccessEntry
from service.integrity import Link
from service.records import CaseFile


def primitive(value: Any) -> Any:
    """``value`` as JSON-ready primitives: dates ``YYYY-MM-DD``, times ISO 8601 with their offset."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: primitive(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, date):  # a datetime is a date too: isoformat keeps its offset
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(key): primitive(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [primitive(item) for item in value]
    return value


def access_entry_document(entry: AccessEntry) -> dict[str, Any]:
    """One read of a case: when, who, which read, and the version or moment asked for."""
    return {"at": primitive(entry.at), "user": entry.user, "read": entry.read, "version": entry.version,
            "as_of": primitive(entry.as_of)}


def _chain_link(link: Link) -> dict[str, Any]:
    return {"notification_id": link.notification_id, "version": link.version, "link": link.link}


def case_file_document(case_file: CaseFile) -> dict[str, Any]:
    """The case file as JSON-ready primitives."""
    return {
        "export": primitive(case_file.export),
        "case": primitive(case_file.case),
        "history": primitive(case_file.history),
        "access_log": [access_entry_document(entry) for entry in case_file.access_log],
        "chain": [_chain_link(link) for link in case_file.chain],
    }


def case_file_json(case_file: CaseFile) -> str:
    """The case file as JSON text, as archived and as ``breachtrail export`` writes it."""
    return document_json(case_file_document(case_file))


def document_json(document: dict[str, Any]) -> str:
    """A case file document as JSON text: UTF-8 as it is, indented, keys in the layout's order."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
