"""Keeping the read side in step with the event log: inline, catching up, or rebuilt.

The case list (and the statistics facts written with it) is a fold of each case's events;
each change of a case's status is also written down, with the month it was recorded in, for
the statistics releases of closed months.
Rows carry their case's version, so applying an event twice changes nothing, and the
position (the last notification folded in) is written in the same transaction as the rows:
a crash between batches loses no event and counts none twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol
from uuid import UUID

from domain.case import Case
from service.after_commit import AfterCommit
from service.case_list import FOLDED_FIELDS, CaseListStore, CaseRow, OutOfOrderEvent, evolve
from service.partial_events import PartialDecoder
from service.statistics_release import LOCAL_TIMEZONE, Transition, catalogue_order, period_of

Progress = Callable[[int], None]
DEFAULT_BATCH_SIZE = 500
#: Events a rebuild folds to a transaction: fewer commits (each one waits for the disk) and fewer,
#: larger statements; its memory is that many events' folded attributes.
REBUILD_TRANSACTION = 5_000
#: Rows kept in memory after their commit (about the aggregate cache's size).
RECENT_ROWS = 500

#: The events that put a case into a status (the statistics count these, by the month recorded).
STATUS_CHANGES = (Case.IncidentReported, Case.Assessed, Case.TalkHeld, Case.WarningIssued, Case.Escalated,
                  Case.Closed, Case.Reopened)


class TransitionStore(Protocol):
    """Where status changes are written, in the projection's transaction."""

    def save_transitions(self, transitions: Sequence[Transition]) -> None: ...

    def reset_transitions(self) -> None: ...


def transition(event: Any, row: CaseRow) -> Transition | None:
    """The status change ``event`` made, given the row just after it; ``None`` if it made none."""
    if not isinstance(event, STATUS_CHANGES):
        return None
    moment = event.timestamp
    # Denmark's offsets have been whole hours since 1894: every moment of one UTC hour lies in the
    # same local month, so each hour's month is worked out once.
    period = (_period_of_utc_hour(moment.replace(minute=0, second=0, microsecond=0))
              if moment.utcoffset() == _NO_OFFSET and moment.year >= 1900 else period_of(moment, LOCAL_TIMEZONE))
    return Transition(
        case_id=row.id, version=event.originator_version, period=period,
        unit=row.unit, rules=_catalogue_order(row.rules), channel=row.channel, status=row.status,
        outcome=row.outcome,
    )


#: A case's rules in catalogue order: a few dozen combinations, each sorted once, not per event.
_catalogue_order = lru_cache(maxsize=4096)(catalogue_order)


@lru_cache(maxsize=4096)
def _period_of_utc_hour(hour: datetime) -> str:
    return period_of(hour, LOCAL_TIMEZONE)


_NO_OFFSET = timedelta(0)


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


class EventLog:
    """What a projection needs of the application: its log, and one case's history."""

    def __init__(self, application: Any):
        self._application = application
        self._partial: tuple[Mapping[type, frozenset[str]], PartialDecoder] | None = None

    def head(self) -> int:
        return int(self._application.recorder.max_notification_id() or 0)

    def read(self, after: int, limit: int, *, sealed: bool = False,
             fields: Mapping[type, frozenset[str]] | None = None) -> list[tuple[int, Any]]:
        """The events after notification ``after``; ``sealed``: personal values left as stored.

        ``fields`` (with ``sealed``): events of these classes carrying only the attributes named
        for their classes, and None for every other event (``service.partial_events``).
        """
        recorder = self._application.recorder
        # The same rows; an adapter's recorder may read them without the library's objects.
        select = getattr(recorder, "select_stored_events", None)
        notifications = (select(after + 1, limit) if select is not None
                         else recorder.select_notifications(start=after + 1, limit=limit))
        mapper = self._application.mapper
        if sealed and hasattr(mapper, "to_sealed_domain_event"):
            # The case list carries the employee's fields through as the report sealed them:
            # no key is fetched, nothing decrypted and sealed again.
            if fields is None:
                return [(n.id, mapper.to_sealed_domain_event(n)) for n in notifications]
            if self._partial is None or self._partial[0] is not fields:
                self._partial = (fields, PartialDecoder(mapper, fields))
            decode = self._partial[1].decode
            return [(n.id, decode(n)) for n in notifications]
        if hasattr(mapper, "preload_keys"):
            mapper.preload_keys(notifications)  # one query for the batch's case keys, not one per case
        return [(n.id, mapper.to_domain_event(n)) for n in notifications]

    def history(self, case_id: UUID) -> Iterable[Any]:
        return self._application.events.get(case_id)


class CaseListProjection:
    """Folds events into the case list store."""

    name = "case_list"

    def __init__(self, store: CaseListStore, log: EventLog, transitions: TransitionStore | None = None,
                 after_commit: AfterCommit | None = None):
        self.store = store
        self.log = log
        self.transitions = transitions
        # A store that stores an employee's fields as the report sealed them (``Sealed``) is fed
        # events whose personal values stay sealed: no key fetched, nothing decrypted (rebuilds).
        self._sealed = bool(getattr(store, "stores_sealed_values", False))
        # The rows this process last committed: a row is a function of its case's events up to
        # its version, so the row at version n-1 is what event n folds into, without reading it.
        # Kept only after their commit (``after_commit``); without one, nothing is kept.
        self._after_commit = after_commit
        self._recent: OrderedDict[str, CaseRow] = OrderedDict()
        self._recent_lock = threading.Lock()

    def _recent_rows(self, first: dict[str, int]) -> dict[str, CaseRow]:
        """Rows kept in memory at exactly the version before each case's first event here."""
        with self._recent_lock:
            return {key: row for key, version in first.items()
                    if (row := self._recent.get(key)) is not None and row.version == version - 1}

    def _remember(self, rows: Sequence[CaseRow]) -> None:
        with self._recent_lock:
            for row in rows:
                kept = self._recent.get(row.id)
                if kept is None or kept.version < row.version:
                    self._recent[row.id] = row
                    self._recent.move_to_end(row.id)
            while len(self._recent) > RECENT_ROWS:
                self._recent.popitem(last=False)

    def forget(self) -> None:
        """Drop every row kept in memory (after a reset, or when keys were destroyed elsewhere)."""
        with self._recent_lock:
            self._recent.clear()

    def apply(self, events: Sequence[Any], position: int) -> None:
        """Fold ``events`` (in log order) into their rows; record ``position`` with them."""
        # The log also holds staff members, review sessions and users' grants: they are no case's rows.
        events = [event for event in events if isinstance(event, Case.Event)]
        first: dict[str, int] = {}
        for event in events:
            first.setdefault(str(event.originator_id), event.originator_version)
        # A case whose first event here is its report is folded afresh, so its row need not be
        # read (a new case has none; over a stored newer row, save_rows keeps the newer one);
        # nor need a row this process committed at the version just before.
        rows: dict[str, CaseRow | None] = dict(self._recent_rows(first))
        rows.update(self.store.rows(sorted(k for k, v in first.items() if v != 1 and k not in rows)))
        rows_before = dict(rows)
        changed: dict[str, CaseRow] = {}
        changes: list[Transition] = []
        for event in events:
            key = str(event.originator_id)
            before = rows.get(key)
            try:
                row = evolve(before, event)
                fresh = row is not None and (before is None or event.originator_version > before.version)
                if fresh and row is not None and (found := transition(event, row)) is not None:
                    changes.append(found)
            except OutOfOrderEvent:
                # A row missing or behind (a rebuild under way, an earlier writer that did not
                # project): fold the case's whole history instead, which is always right.
                row = self._refold(event.originator_id, up_to=event.originator_version, changes=changes)
            if row is not None:
                rows[key] = changed[key] = row
        # Rules are named by the report alone: they are written with a case's first row only.
        first_rows = [key for key in changed if rows_before.get(key) is None]
        self.store.save_rows(list(changed.values()), position, new_rules=first_rows)
        if self.transitions is not None and changes:
            self.transitions.save_transitions(changes)
        if self._after_commit is not None and changed:
            stored = list(changed.values())
            self._after_commit.defer(lambda: self._remember(stored))

    def _refold(self, case_id: UUID, up_to: int, changes: list[Transition]) -> CaseRow | None:
        row: CaseRow | None = None
        for event in self.log.history(case_id):
            if event.originator_version > up_to:
                break
            row = evolve(row, event)
            if row is not None and (found := transition(event, row)) is not None:
                changes.append(found)  # stored ones stay as they are
        return row

    def status(self) -> ProjectionStatus:
        return ProjectionStatus(self.name, self.store.position(self.name) or 0, self.log.head())

    def catch_up(self, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None,
                 per_transaction: int | None = None) -> int:
        """Fold every event after the recorded position; returns how many.

        The log is read ``batch_size`` events at a time, and folded ``per_transaction`` events
        (default: one batch) to a transaction, each recording its position with its rows.
        """
        per_transaction = max(per_transaction or batch_size, 1)
        fields = FOLDED_FIELDS if self._sealed else None
        done = 0
        position = self.store.position(self.name) or 0
        while True:
            events: list[Any] = []
            last = position
            while (wanted := min(batch_size, per_transaction - len(events))) > 0:
                batch = self.log.read(after=last, limit=wanted, sealed=self._sealed, fields=fields)
                if not batch:
                    break
                events.extend(event for _, event in batch)
                last = batch[-1][0]
                if len(batch) < wanted:
                    break  # the log's end
            if not events:
                return done
            with self.store.transaction():
                self.apply(events, last)
            position = last
            done += len(events)
            if progress is not None:
                progress(len(events))

    def rebuild(self, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None,
                per_transaction: int = REBUILD_TRANSACTION) -> int:
        """Empty the tables and fold the whole log again, ``per_transaction`` events to a transaction."""
        self.store.reset(self.name)
        self.forget()
        if self.transitions is not None:
            self.transitions.reset_transitions()
        return self.catch_up(batch_size=batch_size, progress=progress,
                             per_transaction=max(per_transaction, batch_size))
