"""Crypto-shredding: every personal value of a case is stored encrypted with that case's key.

Destroying the key erases the values everywhere they were ever written — events, snapshots,
backups — while the trail of what happened, when and by whom stays readable and unaltered.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from domain.case import PERSONAL_DATA_FIELDS, Case
from domain.staff import REVIEW_PERSONAL_FIELDS, STAFF_PERSONAL_FIELDS, ReviewSession, StaffMember

_CASE_EVENT_TOPIC_PREFIX = get_topic(Case) + "."
# Which events hold personal data, and in which attributes: a case's under the case's key, a
# staff member's under the member's own key, a review session's under the session's. The key
# id is always the aggregate's id.
_PERSONAL_FIELDS_BY_TOPIC_PREFIX: tuple[tuple[str, frozenset[str]], ...] = (
    (_CASE_EVENT_TOPIC_PREFIX, PERSONAL_DATA_FIELDS),
    (get_topic(StaffMember) + ".", STAFF_PERSONAL_FIELDS),
    (get_topic(ReviewSession) + ".", REVIEW_PERSONAL_FIELDS),
)
_SNAPSHOT_TOPIC = get_topic(Case.Snapshot)
# What a personal value reads as once its key is gone: lists stay lists so replay works.
_ERASED: dict[str, Any] = {"participants": []}


class Sealed(str):
    """A personal value still as its event stored it: encrypted with the case's key, as text.

    A projection that only carries a value through (the case list's employee fields) folds it
    sealed: no key is fetched and nothing is decrypted or encrypted again. ``version`` is the
    version of the event that sealed it; ``open_sealed`` turns it back into the value.
    """

    version: int

    def __new__(cls, text: str, version: int) -> Sealed:
        sealed = super().__new__(cls, text)
        sealed.version = version
        return sealed


def event_context(case_id: UUID, version: int, field: str) -> str:
    """What an event's personal value is sealed under: its case, its version and its field."""
    return f"{case_id}/{version}/{field}"


def open_sealed(key_ring: KeyRing, case_id: UUID, version: int, field: str, text: str) -> Any:
    """The value that the case's event ``version`` sealed in ``field`` (None once the key is destroyed)."""
    opened = key_ring.decrypt(case_id, event_context(case_id, version, field), _bytes(text))
    return None if opened is None else json.loads(opened)


class KeyRing(Protocol):
    """Per-case data keys; implemented by an adapter that stores them wrapped by a master key."""

    def encrypt(self, case_id: UUID, context: str, plaintext: bytes, *, create: bool, new: bool = False) -> bytes:
        """Encrypt with the case's key (creating it for a new case), bound to ``context``.

        ``new``: the id is a case being created now, so it can have no key yet (and its new key
        may be written with the transaction's other rows instead of first).
        """
        ...

    def decrypt(self, case_id: UUID, context: str, ciphertext: bytes) -> bytes | None:
        """The plaintext, or ``None`` when the case's key has been destroyed."""
        ...

    def preload(self, case_ids: Iterable[UUID]) -> None:
        """Fetch the keys of these cases ahead of reading many of their events."""
        ...

    def refresh(self) -> None:
        """Forget keys held in memory that another process may have destroyed since."""
        ...


class PersonalDataMapper(Mapper[UUID]):
    """Maps case events and snapshots to stored records, encrypting what is personal."""

    def __init__(self, *args: Any, key_ring: KeyRing, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.key_ring = key_ring

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        state = dict(vars(domain_event))
        case_id: UUID = state.pop("originator_id")
        version: int = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        if topic == _SNAPSHOT_TOPIC:
            sealed = self.key_ring.encrypt(
                case_id, f"{case_id}/snapshot/{version}", self.transcoder.encode(state["state"]), create=False
            )
            state["state"] = _text(sealed)
        elif (personal := personal_fields(topic)) is not None:
            new_case = version == 1 and topic.startswith(_CASE_EVENT_TOPIC_PREFIX)
            for field in personal.intersection(state):
                if state[field] is not None:
                    plaintext = json.dumps(state[field], ensure_ascii=False).encode()
                    sealed = self.key_ring.encrypt(
                        case_id, event_context(case_id, version, field), plaintext, create=version == 1,
                        new=new_case,
                    )
                    state[field] = _text(sealed)
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(originator_id=case_id, originator_version=version, topic=topic, state=stored_state)

    def preload_keys(self, stored_events: Iterable[StoredEvent]) -> None:
        """Fetch, in one go, the keys a batch of stored events will need."""
        self.key_ring.preload({
            UUID(str(e.originator_id)) for e in stored_events
            if is_case_topic(e.topic) or personal_fields(e.topic) is not None
        })

    def to_sealed_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """The event with its personal values left sealed (``Sealed``): no key needed, none used."""
        event = super().to_domain_event(stored_event)
        personal = personal_fields(stored_event.topic)
        if personal is not None:
            state = event.__dict__
            version = stored_event.originator_version
            for field in personal.intersection(state):
                if state[field] is not None:
                    state[field] = Sealed(state[field], version)
        return event

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        state = event.__dict__
        case_id = UUID(str(stored_event.originator_id))
        version = stored_event.originator_version
        if stored_event.topic == _SNAPSHOT_TOPIC:
            opened = self.key_ring.decrypt(case_id, f"{case_id}/snapshot/{version}", _bytes(state["state"]))
            if opened is None:
                raise LookupError(f"the snapshot of case {case_id} cannot be read: its key is destroyed")
            state["state"] = self.transcoder.decode(opened)
        elif (personal := personal_fields(stored_event.topic)) is not None:
            for field in personal.intersection(state):
                if state[field] is not None:
                    opened = open_sealed(self.key_ring, case_id, version, field, state[field])
                    state[field] = _ERASED.get(field) if opened is None else opened
        return event


def _text(sealed: bytes) -> str:
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def _bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


def personal_fields(topic: str) -> frozenset[str] | None:
    """The attributes of events of this topic that hold personal data (None: not such an event)."""
    for prefix, fields in _PERSONAL_FIELDS_BY_TOPIC_PREFIX:
        if topic.startswith(prefix):
            return fields
    return None


def is_case_topic(topic: str) -> bool:
    return topic.startswith(_CASE_EVENT_TOPIC_PREFIX) or topic == _SNAPSHOT_TOPIC


