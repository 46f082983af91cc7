"""A case's records beyond its current state: its case file, and its state at a moment.

A case file is everything kept about a case, for an archive or a subject access request:
the case as it stands, its whole history, its access log and the chain links that seal its
events. It is built from the same views as every other read, so once the case's personal
data is erased, its case file shows none either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from domain.case import Case
from domain.errors import InvalidCaseData
from service.access_log import AccessEntry
from service.integrity import Link
from service.users import User
from service.views import CaseView, HistoryEntry, case_view, history_entry

#: Names and versions the layout of a case file; raise the version when the layout changes.
CASE_FILE_FORMAT = "breachtrail.case-file"
CASE_FILE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class ExportInfo:
    """What a case file says about itself."""

    format: str
    format_version: int
    exported_at: datetime
    exported_by: dict[str, str]


@dataclass(frozen=True)
class CaseFile:
    """The complete file of one case."""

    export: ExportInfo
    case: CaseView
    history: list[HistoryEntry]
    access_log: list[AccessEntry]
    chain: list[Link]


def case_file(
    case: Case,
    events: Iterable[Any],
    access_log: list[AccessEntry],
    chain: list[Link],
    *,
    exported_by: User,
    exported_at: datetime,
    today: date,
) -> CaseFile:
    """The case file of ``case`` from its stored events, access log and chain links."""
    erased = case.personal_data_erased
    return CaseFile(
        export=ExportInfo(
            format=CASE_FILE_FORMAT,
            format_version=CASE_FILE_FORMAT_VERSION,
            exported_at=exported_at,
            exported_by={"id": exported_by.id, "role": exported_by.role.value},
        ),
        case=case_view(case, today),
        history=[history_entry(event, erased=erased) for event in events],
        access_log=access_log,
        chain=chain,
    )


def moment(as_of: datetime, field: str = "as_of") -> datetime:
    """``as_of`` in UTC; a time without an offset, or one out of range, is invalid input."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise InvalidCaseData.field(field, "give the time with its offset, e.g. 2026-06-10T14:30:00+02:00")
    try:
        return as_of.astimezone(UTC)
    except OverflowError:
        raise InvalidCaseData.field(field, "the time is out of range") from None


def version_at(events: Iterable[Any], as_of: datetime) -> int | None:
    """The version after the last event recorded at or before ``as_of``; None before the first."""
    version = None
    for event in events:
        if event.timestamp > as_of:
            break
        version = int(event.originator_version)
    return version
