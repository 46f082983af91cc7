"""What may be remembered only once the transaction that wrote it has committed.

A write keeps a little of what it wrote in memory (the case list row it stored, the chain's
newest link), so the next write need not read it back. Kept before the commit, it could
outlive a rolled-back transaction and be taken for stored data: so it waits here, per thread,
until the database reports the commit (``committed``), and is dropped when the transaction
ends any other way (``ended``). The adapter that owns the transactions calls both.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar


class AfterCommit:
    """Callbacks that run when the current thread's transaction commits, and never otherwise."""

    def __init__(self) -> None:
        self._pending: ContextVar[list[Callable[[], None]] | None] = ContextVar(f"after_commit_{id(self)}",
                                                                                default=None)

    def defer(self, callback: Callable[[], None]) -> None:
        pending = self._pending.get()
        if pending is None:
            pending = []
            self._pending.set(pending)
        pending.append(callback)

    def committed(self) -> None:
        pending = self._pending.get()
        self._pending.set(None)
        for callback in pending or ():
            callback()

    def ended(self) -> None:
        self._pending.set(None)
