"""Value types of a case: who acts, what state it is in, and the vocabularies of its steps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum


class Role(Enum):
    """What a user is in the organisation, which decides what they may do."""

    MANAGER = "manager"
    HR = "hr"
    REP = "rep"


@dataclass(frozen=True)
class Actor:
    """The user who performed a step, as recorded on every event."""

    id: str
    role: Role


class Status(Enum):
    """Where a case stands. Ordered: a case only moves forward, except by reopening."""

    REPORTED = "reported"
    ASSESSED = "assessed"
    TALK_HELD = "talk_held"
    WARNING_ISSUED = "warning_issued"
    ESCALATED = "escalated"
    CLOSED = "closed"


class Severity(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Channel(Enum):
    """Where the breach happened."""

    SNAPCHAT = "snapchat"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    MESSENGER = "messenger"
    SMS = "sms"
    OTHER = "other"


class Outcome(Enum):
    """How a case was closed."""

    DISMISSED = "dismissed"
    RESOLVED = "resolved"
    SANCTIONED = "sanctioned"
    REFERRED = "referred"


class Step(Enum):
    """The steps a case can be taken through; values are the API's route names."""

    ASSESSMENT = "assessment"
    HEARING = "hearing"
    STATEMENT = "statements"
    TALK = "talks"
    WARNING = "warnings"
    ESCALATION = "escalation"
    NOTE = "notes"
    CLOSURE = "closure"
    REOPENING = "reopening"
    ERASURE = "erasure"


UNIT_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
UNIT_MAX_LENGTH = 64


def is_unit_slug(value: str) -> bool:
    """Whether ``value`` is a well-formed unit slug such as ``dagtilbud-nord``."""
    return len(value) <= UNIT_MAX_LENGTH and UNIT_PATTERN.fullmatch(value) is not None


def month_key(day: date) -> str:
    """The month ``day`` falls in, ``YYYY-MM`` (``strftime`` would leave a year before 1000 unpadded)."""
    return f"{day.year:04d}-{day.month:02d}"


def quarter_key(day: date) -> str:
    """The quarter ``day`` falls in, ``YYYY-Qn``."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def year_key(day: date) -> str:
    """The year ``day`` falls in, ``YYYY``."""
    return f"{day.year:04d}"
