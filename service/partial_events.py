"""Stored events turned into domain events that carry only the attributes a fold reads.

A rebuild reads every event in the log; turning each into a whole domain event (the
library's JSON decoding, with a Python call for every object in it, the policy's rule texts
among them) cost as much as reading it. A fold reads a few attributes: those are decoded
exactly as the library's transcoder decodes them, bottom up through the same transcodings,
and the others left out, so an attribute the fold reads but was not named fails loudly
(``AttributeError``) instead of folding differently. Events of another class are not decoded
at all; an event stored at an older class version goes through the library whole (its
upcasts).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from service.personal_data import Sealed, personal_fields


class PartialDecoder:
    """Decodes events of classes in ``fields`` (with their subclasses), each with the attributes named for
    its classes; personal values are left sealed."""

    def __init__(self, mapper: Any, fields: Mapping[type, frozenset[str]]):
        self._mapper = mapper
        self._fields = fields
        self._names = mapper.transcoder.names
        self._cipher = mapper.cipher
        self._compressor = mapper.compressor
        self._topics: dict[str, tuple[type, int, frozenset[str], frozenset[str]] | None] = {}

    def decode(self, stored: StoredEvent) -> Any:
        """The event with only the fold's attributes; None for an event of another class."""
        known = self._topics.get(stored.topic, self)
        if known is self:
            known = self._topics[stored.topic] = self._learn(stored.topic)
        if known is None:
            return None
        cls, class_version, personal, fields = known  # type: ignore[misc]
        data = stored.state
        if self._cipher:
            data = self._cipher.decrypt(data)
        if self._compressor:
            data = self._compressor.decompress(data)
        state = _DECODER.decode(data.decode("utf-8"))  # as the transcoder reads it, less its object hook
        if state.get("class_version", 1) != class_version:
            return self._mapper.to_sealed_domain_event(stored)  # upcast by the library, whole
        version = stored.originator_version
        revive = self._revive
        values: dict[str, Any] = {}
        for name in fields:
            if name not in state:
                continue
            value = state[name]
            if isinstance(value, dict | list):
                value = revive(value)
            if name in personal and value is not None:
                value = Sealed(value, version)
            values[name] = value
        values["originator_id"] = _uuid(stored.originator_id)
        values["originator_version"] = version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", values)
        return event

    def _learn(self, topic: str) -> tuple[type, int, frozenset[str], frozenset[str]] | None:
        cls = resolve_topic(topic)
        if not isinstance(cls, type) or not any(issubclass(cls, wanted) for wanted in self._fields):
            return None
        fields = frozenset().union(*(self._fields.get(base, ()) for base in cls.__mro__))
        return cls, getattr(cls, "class_version", 1), personal_fields(topic) or frozenset(), fields

    def _revive(self, value: Any) -> Any:
        # What the transcoder's object hook makes of a decoded object or list: inner objects first.
        revive = self._revive
        if isinstance(value, list):
            return [revive(inner) if isinstance(inner, dict | list) else inner for inner in value]
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            data = value["_data_"]
            return self._names[value["_type_"]].decode(revive(data) if isinstance(data, dict | list) else data)
        return {key: revive(inner) if isinstance(inner, dict | list) else inner for key, inner in value.items()}


_DECODER = json.JSONDecoder()


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
