"""Who read which case, when, and what they asked for: the access log's entries and its port.

An entry names the reader (user id and role), the moment, the case and which read it was
(the case, its history, its export, this log, or a page of the case list that showed it),
with the version or time asked for. It
holds nothing of the employee: no name, no reference, no free text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Protocol, runtime_checkable


class Read(Enum):
    """The reads of a case that are logged."""

    CASE = "case"
    HISTORY = "history"
    EXPORT = "export"
    ACCESS_LOG = "access-log"
    LIST = "list"  # the case appeared, with the employee's name and reference, in a case list


@dataclass(frozen=True)
class AccessEntry:
    """One read of one case."""

    case_id: str
    read: str  # a ``Read`` value
    user_id: str
    role: str
    at: datetime
    version: int | None = None  # the version asked for, if any
    as_of: datetime | None = None  # the moment asked for, if any

    @property
    def user(self) -> dict[str, str]:
        return {"id": self.user_id, "role": self.role}


class AccessLog(Protocol):
    """Where entries are kept; implemented by an adapter in the event store's database."""

    def record(self, entry: AccessEntry) -> None:
        """Store one entry (a single write, committed before the read is answered)."""
        ...

    def record_many(self, entries: list[AccessEntry]) -> None:
        """Store several entries in one write (a page of the case list)."""
        ...

    def entries(self, case_id: str) -> list[AccessEntry]:
        """Every entry of the case, oldest first."""
        ...


@dataclass
class ChainHead:
    """How far one writer's chain of entries goes: its length and its last link."""

    chain: str
    length: int
    link: str


@dataclass
class AccessLogCheck:
    """What recomputing the access log's chains found."""

    checked: int = 0
    unchained: int = 0
    heads: list[ChainHead] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@runtime_checkable
class ChainedAccessLog(Protocol):
    """An access log whose entries are chained per writer, so its heads can be sealed and found again."""

    def verify(self) -> AccessLogCheck:
        """Recompute every chain; name each gap and edit."""
        ...

    def link_at(self, chain: str, seq: int) -> str | None:
        """The stored link of entry ``seq`` of ``chain`` (None: no such entry)."""
        ...
