"""A tamper-evident trail: every stored event is linked into one HMAC chain, in log order.

Each link is HMAC-SHA256 over the previous link and the stored record exactly as written
(its position in the log, case, version, type and the SHA-256 of its stored bytes —
ciphertext included). Links are written in the transaction of the events. Changing,
deleting, reordering or inserting a stored event breaks the chain at that event; destroying
a case key (erasure) changes no stored byte, so it breaks nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from service.after_commit import AfterCommit

GENESIS = bytes(32)
BATCH_SIZE = 1000


@dataclass(frozen=True)
class Link:
    """One chain entry: which stored event it seals, and the seal."""

    notification_id: int
    case_id: str
    version: int
    link: str  # hex


@dataclass(frozen=True)
class StoredRecord:
    notification_id: int
    case_id: str
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    notification_id: int
    case_id: str
    version: int
    problem: str


@dataclass(frozen=True)
class Verification:
    checked: int
    head: Link | None
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


class ChainStore(Protocol):
    """Where links are kept; implemented by an adapter in the event store's database."""

    def head(self) -> Link | None:
        """The newest link (read inside the current transaction when there is one)."""
        ...

    def append(self, links: Sequence[Link]) -> None:
        """Store links in the current transaction."""
        ...

    def links(self, after: int, limit: int) -> list[Link]:
        """Links in log order after a notification id."""
        ...

    def case_links(self, case_id: str) -> list[Link]:
        """The links of one case's events, in log order (for its case file)."""
        ...

    def link_at(self, notification_id: int) -> Link | None:
        """The link of the event at this place in the log, if there is one."""
        ...


def seal(key: bytes, previous: bytes, record: StoredRecord) -> bytes:
    """The link for ``record`` following ``previous``."""
    message = b"|".join(
        [
            previous,
            str(record.notification_id).encode(),
            record.case_id.encode(),
            str(record.version).encode(),
            record.topic.encode(),
            hashlib.sha256(record.state).digest(),
        ]
    )
    return hmac.new(key, message, hashlib.sha256).digest()


class EventChain:
    """Extends the chain as events are recorded, and checks it end to end."""

    def __init__(
        self, store: ChainStore, key: bytes, read_records: Callable[[int, int], list[StoredRecord]],
        after_commit: AfterCommit | None = None,
    ):
        self.store = store
        self._key = key
        self._read_records = read_records
        # The newest link this process committed. Events are written one transaction at a time
        # (the event table's lock), so if it is still the newest stored link, the next links
        # follow it: the store checks that and writes them in one statement (``append_after``).
        self._after_commit = after_commit
        self._head: Link | None = None
        self._head_lock = threading.Lock()

    def extend(self, records: Sequence[StoredRecord]) -> None:
        """Link newly stored records (in the transaction that stores them)."""
        ordered = sorted(records, key=lambda r: r.notification_id)
        if not ordered:
            return
        with self._head_lock:
            guess = self._head
        append_after = getattr(self.store, "append_after", None)
        if guess is not None and append_after is not None and guess.notification_id < ordered[0].notification_id:
            links = self._links(guess, ordered)
            if not append_after(links, guess.notification_id):
                links = self._links(self.store.head(), ordered)  # another process wrote since
                self.store.append(links)
        else:
            links = self._links(self.store.head(), ordered)
            self.store.append(links)
        if self._after_commit is not None:
            newest = links[-1]
            self._after_commit.defer(lambda: self._remember(newest))

    def link_unlinked(self) -> int:
        """Link the stored records after the chain's head; how many (an upgrade's step, run once:
        records stored before their chain existed)."""
        head = self.store.head()
        after, count = (head.notification_id if head else 0), 0
        while batch := self._read_records(after, BATCH_SIZE):
            self.extend(batch)
            after, count = batch[-1].notification_id, count + len(batch)
        return count

    def _links(self, head: Link | None, records: Sequence[StoredRecord]) -> list[Link]:
        previous = bytes.fromhex(head.link) if head else GENESIS
        links = []
        for record in records:
            sealed = seal(self._key, previous, record)
            links.append(Link(record.notification_id, record.case_id, record.version, sealed.hex()))
            previous = sealed
        return links

    def _remember(self, link: Link) -> None:
        with self._head_lock:
            if self._head is None or self._head.notification_id < link.notification_id:
                self._head = link

    def verify(self, progress: Callable[[int], None] | None = None) -> Verification:
        """Recompute every link from the stored events; stop at the first break."""
        previous = GENESIS
        checked = 0
        last: Link | None = None
        for record, link in _pair(self._iter_records(), self._iter_links()):
            if link is None:
                assert record is not None
                return Verification(checked, last, Break(
                    record.notification_id, record.case_id, record.version,
                    "a stored event that is not in the chain: written or inserted outside the service"))
            if record is None:
                return Verification(checked, last, Break(
                    link.notification_id, link.case_id, link.version,
                    "the chain seals an event that is no longer stored: it was deleted"))
            if (record.case_id, record.version) != (link.case_id, link.version):
                return Verification(checked, last, Break(
                    link.notification_id, link.case_id, link.version,
                    f"the event at this place is case {record.case_id} version {record.version}: "
                    "events were moved or swapped"))
            expected = seal(self._key, previous, record)
            if not hmac.compare_digest(expected.hex(), link.link):
                return Verification(checked, last, Break(
                    link.notification_id, link.case_id, link.version,
                    "the stored event or the link before it was altered: its seal does not match"))
            previous = expected
            last = link
            checked += 1
            if progress is not None and checked % BATCH_SIZE == 0:
                progress(BATCH_SIZE)
        if progress is not None and checked % BATCH_SIZE:
            progress(checked % BATCH_SIZE)
        return Verification(checked, last, None)

    def _iter_records(self) -> Iterator[StoredRecord]:
        after = 0
        while True:
            batch = self._read_records(after, BATCH_SIZE)
            if not batch:
                return
            yield from batch
            after = batch[-1].notification_id

    def _iter_links(self) -> Iterator[Link]:
        after = 0
        while True:
            batch = self.store.links(after, BATCH_SIZE)
            if not batch:
                return
            yield from batch
            after = batch[-1].notification_id


def _pair(
    records: Iterable[StoredRecord], links: Iterable[Link]
) -> Iterator[tuple[StoredRecord | None, Link | None]]:
    """Merge two id-ordered streams into pairs with equal ids (None where one side lacks it)."""
    record_iter, link_iter = iter(records), iter(links)
    record, link = next(record_iter, None), next(link_iter, None)
    while record is not None or link is not None:
        if link is None or (record is not None and record.notification_id < link.notification_id):
            yield record, None
            record = next(record_iter, None)
        elif record is None or link.notification_id < record.notification_id:
            yield None, link
            link = next(link_iter, None)
        else:
            yield record, link
            record, link = next(record_iter, None), next(link_iter, None)


def records_of(recordings: Iterable[Any]) -> list[StoredRecord]:
    """The stored records of an application's ``Recording`` objects, as the chain seals them."""
    return [
        StoredRecord(r.notification.id, str(r.notification.originator_id), r.notification.originator_version,
                     r.notification.topic, bytes(r.notification.state))
        for r in recordings
    ]


def stored_records(recorder: Any) -> Callable[[int, int], list[StoredRecord]]:
    """Read raw stored events from an eventsourcing application recorder, in log order."""

    def read(after: int, limit: int) -> list[StoredRecord]:
        return [
            StoredRecord(n.id, str(n.originator_id), n.originator_version, n.topic, bytes(n.state))
            for n in recorder.select_notifications(start=after + 1, limit=limit)
        ]

    return read
