"""A rebuild on every core: one process per share of the cases, each reading the whole log.

Reading the log is the cheap part of a rebuild; decoding, folding and writing are not, and
they split by case. So each process reads every event, decodes and folds only its share's
cases (by id), and writes their rows with its own position; the projection's position follows
the slowest share, so a rebuild that stops part-way resumes from there (``projections run``,
or a new rebuild). When every share is done, what the slowest had not folded yet is folded
once more by one process (a replay changes nothing) and the shares' positions are dropped.
"""

from __future__ import annotations

import multiprocessing
import queue
from dataclasses import replace
from typing import Any

from adapters.composition import build_case_service, close_case_service
from adapters.config import Settings
from service.projections import REBUILD_TRANSACTION, Progress, Share

#: How often the parent looks at its children when none has reported (seconds).
_LOOK = 0.5


class RebuildFailed(RuntimeError):
    """A share's process stopped before folding its cases; the rebuild can be run again."""


def rebuild_in_processes(settings: Settings, processes: int, *, batch_size: int,
                         progress: Progress | None = None) -> int:
    """Rebuild the case list with ``processes`` processes; returns the events in the log it folded."""
    service = build_case_service(settings)
    try:
        projection = service.case_list_projection
        assert projection is not None
        projection.start_rebuild()
        folded = _fold_shares(replace(settings, create_tables=False), processes, batch_size, progress)
        return folded + projection.finish_shares(processes, batch_size=batch_size)
    finally:
        close_case_service(service)


def _fold_shares(settings: Settings, processes: int, batch_size: int, progress: Progress | None) -> int:
    context = multiprocessing.get_context("spawn")  # nothing of this process's connections is shared
    reports: Any = context.Queue()
    children = [context.Process(target=_fold_share, args=(settings, (part, processes), batch_size, reports),
                                daemon=True, name=f"rebuild share {part + 1}/{processes}")
                for part in range(processes)]
    for child in children:
        child.start()
    counts = [0] * processes
    finished: set[int] = set()
    shown = 0
    try:
        while len(finished) < processes:
            try:
                part, kind, value = reports.get(timeout=_LOOK)
            except queue.Empty:
                stopped = [c for i, c in enumerate(children) if i not in finished and not c.is_alive()]
                if stopped:
                    raise RebuildFailed(f"{stopped[0].name} stopped (exit code {stopped[0].exitcode})") from None
                continue
            if kind == "failed":
                raise RebuildFailed(f"rebuild share {part + 1}/{processes} failed: {value}")
            counts[part] += value
            if kind == "done":
                finished.add(part)
            if progress is not None and min(counts) > shown:  # the slowest share is how far the rebuild is
                progress(min(counts) - shown)
                shown = min(counts)
    finally:
        for child in children:
            child.join(timeout=None if len(finished) == processes else 0)
            if child.is_alive():
                child.terminate()
    return min(counts)


def _fold_share(settings: Settings, share: Share, batch_size: int, reports: Any) -> None:
    part = share[0]
    try:
        service = build_case_service(settings)
        try:
            projection = service.case_list_projection
            assert projection is not None
            projection.rebuild_share(share, batch_size=batch_size, per_transaction=REBUILD_TRANSACTION,
                                     progress=lambda count: reports.put((part, "progress", count)))
        finally:
            close_case_service(service)
    except BaseException as error:
        reports.put((part, "failed", f"{type(error).__name__}: {error}"))
        raise
    reports.put((part, "done", 0))
