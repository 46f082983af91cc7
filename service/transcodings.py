"""How the domain's value types are written into stored events and snapshots.

The names below are stored with the data: never rename one, add a new one instead.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.records import RECORD_TYPES
from domain.staff import PolicyVersionRef
from domain.values import Actor, Channel, Outcome, Role, Severity, Status


class DateAsISO(Transcoding):
    type = date
    name = "date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    def __init__(self, enum_type: type[Enum]):
        self.type = enum_type
        self.name = enum_type.__name__

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    def __init__(self, dataclass_type: type[Any]):
        self.type = dataclass_type
        self.name = dataclass_type.__name__
        self._fields = [f.name for f in dataclasses.fields(dataclass_type)]

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """Teach ``transcoder`` every value type a case's events and snapshots contain."""
    transcoder.register(DateAsISO())
    for enum_type in (Role, Status, Severity, Channel, Outcome):
        transcoder.register(EnumAsValue(enum_type))
    for dataclass_type in (Actor, *RECORD_TYPES):
        transcoder.register(DataclassAsDict(dataclass_type))
    # Added with the policy's roll-out (§8): a warning names a version the employee had not
    # acknowledged. A new name, so snapshots stored before it still read.
    transcoder.register(DataclassAsDict(PolicyVersionRef))
