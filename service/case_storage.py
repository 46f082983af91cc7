"""How ``CaseService`` stores: personal data encrypted per case, and the writes that commit with the events.

The case list, an erased case's key and the chain link are written inside the events' own
transaction (the recorder's transaction nests), so they commit together or not at all;
snapshots are taken after the commit, where a failure cannot undo a stored step.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Mapper, Recording

from domain.case import Case
from service.after_commit import AfterCommit
from service.personal_data import KeyRing, PersonalDataMapper
from service.projections import CaseListProjection
from service.transcodings import register_domain_transcodings

logger = logging.getLogger(__name__)


class CaseStorage(Application[UUID]):
    """The storage hooks of ``CaseService`` (a mixin before ``Application`` in its bases)."""

    if TYPE_CHECKING:
        _key_ring_factory: Callable[[Any], KeyRing] | None
        key_ring: KeyRing
        _transaction: Callable[[], AbstractContextManager[Any]]
        case_list_projection: CaseListProjection | None
        project_inline: bool
        _on_erased: Callable[[Any, UUID], None] | None
        _after_record: Sequence[Callable[[Any, list[Recording[UUID]]], None]]
        snapshot_interval: int
        after_commit: AfterCommit | None

    # --- infrastructure hooks ---------------------------------------------------------------

    def construct_mapper(self) -> Mapper[UUID]:
        if self._key_ring_factory is None:
            return super().construct_mapper()
        self.key_ring = self._key_ring_factory(self)
        return PersonalDataMapper(
            transcoder=self.construct_transcoder(),
            compressor=self.factory.compressor(),
            cipher=self.factory.cipher(),
            key_ring=self.key_ring,
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Store the new events of ``objs``, and with them what must never disagree with them."""
        # The recorder's transaction nests: the events join the one opened here, so the case
        # list, the erased case's key and the chain link commit with them or not at all, and a
        # step is visible in the very next list.
        with self._transaction():
            recordings = super().save(*objs, **kwargs)
            self._write_with_events(recordings)
            if self.after_commit is not None and self.repository.cache is not None:
                # The case as stored goes into the cache, once this has committed (the library
                # caches nothing on save when it fast-forwards): the next step then need not read
                # its events when the list says it is at this version (``_load_in_scope``).
                for case in (obj for obj in objs if isinstance(obj, Case)):
                    self.after_commit.defer(functools.partial(self._cache_case, case))
        self._take_due_snapshots(recordings, [obj for obj in objs if isinstance(obj, Case)])
        return recordings

    def _cache_case(self, case: Case) -> None:
        cache = self.repository.cache
        assert cache is not None
        try:
            cached = cache.get(case.id)
        except KeyError:
            cached = None
        if cached is None or cached.version < case.version:  # a later one put meanwhile stays
            cache.put(case.id, case)

    def _write_with_events(self, recordings: list[Recording[UUID]]) -> None:
        projection = self.case_list_projection
        if projection is not None and self.project_inline:
            projection.apply([r.domain_event for r in recordings], max(r.notification.id for r in recordings))
        if self._on_erased is not None:
            for recording in recordings:
                if isinstance(recording.domain_event, Case.PersonalDataErased):
                    self._on_erased(self, recording.domain_event.originator_id)
        for hook in self._after_record:
            hook(self, recordings)

    def _take_due_snapshots(self, recordings: list[Recording[UUID]], cases: list[Case]) -> None:
        # Snapshots are taken here, after the events commit, not by the library inside save()
        # (hence no snapshotting_intervals): a failure must not turn a stored step into a
        # reported failure, and the next interval tries again. An erased case is never
        # snapshotted again: its key, and so its state, are gone.
        if self.snapshots is None:
            return
        live = {case.id for case in cases if not case.personal_data_erased}
        try:
            for recording in recordings:
                event = recording.domain_event
                if event.originator_id in live and event.originator_version % self.snapshot_interval == 0:
                    self.take_snapshot(event.originator_id, version=event.originator_version)
        except Exception:
            logger.exception("taking a snapshot failed; the events are stored")
