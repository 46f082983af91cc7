"""The event store's database connections: checked before use, and told apart when they fail.

``eventsourcing_sqlalchemy`` builds its engine itself from ``SQLALCHEMY_URL`` and has no
setting for the pool. Its factory names the datastore class it builds, so a subclass of both
(selected by ``PERSISTENCE_MODULE``) adds ``pool_pre_ping``: after the database has been away
(restarted, connections killed by an administrator or a firewall), the first request gets a fresh
connection instead of a dead one, and the service recovers without a restart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import Notification
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import Factory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder

from service.after_commit import AfterCommit

#: What ``PERSISTENCE_MODULE`` names to build the event store with these connections.
FACTORY_TOPIC = "adapters.sql.datastore:CheckedConnectionsFactory"

# SQLSTATE classes and codes that mean "the database cannot take this now", not "this request is wrong":
# 08 connection exception, 53 insufficient resources (disk full, out of memory, too many connections),
# 57 operator intervention (pg_terminate_backend, shutdown), 58 system error (I/O), 25006 read-only
# transaction, 40001/40P01 serialization failure/deadlock, 55P03 lock not available.
_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")
_UNAVAILABLE_CODES = {"25006", "40001", "40P01", "55P03"}
_SQLITE_UNAVAILABLE = ("database is locked", "readonly database", "disk i/o error", "database or disk is full",
                       "unable to open database")


class CheckedConnectionsDatastore(SQLAlchemyDatastore):
    """The library's datastore, its pool testing each connection as it is checked out."""

    def __init__(self, **kwargs: Any):
        if kwargs.get("url") and kwargs.get("session") is None:
            kwargs.setdefault("pool_pre_ping", True)
        super().__init__(**kwargs)


class UnannouncedEventsRecorder(SQLAlchemyApplicationRecorder):
    """The library's recorder without the ``NOTIFY`` it sends after each insert on PostgreSQL.

    Nothing here LISTENs (no ``subscribe``): the read side is written in the events' transaction
    and a catching-up projection polls. The NOTIFY went through a raw cursor, so no statement
    count saw it, yet it was a statement of every write; a subscriber would need it back.
    """

    def _notify_channel(self, session: Any) -> None:
        return None

    def select_stored_events(self, start: int, limit: int) -> list[Notification]:
        """What ``select_notifications(start, limit)`` gives, read with one Core query.

        The library reads the log through its ORM, an object per row, at about four times the
        cost of the query itself; a projection catching up reads every row once and keeps none.
        """
        table = self.events_record_cls.__table__
        query = (sa.select(table.c.id, table.c.originator_id, table.c.originator_version, table.c.topic,
                           table.c.state)
                 .where(table.c.id >= start).order_by(table.c.id).limit(limit))
        with self.transaction(commit=False) as session:
            found = session.execute(query).all()
        return [Notification(id=r[0], originator_id=r[1], originator_version=r[2], topic=r[3],
                             state=bytes(r[4]) if isinstance(r[4], memoryview) else r[4]) for r in found]

    def _insert_stored_events(self, session: Any, stored_events: Sequence[Any], **kwargs: Any) -> Sequence[int]:
        """The library's insert (lock, rows, their notification ids), as one Core ``INSERT … RETURNING``.

        The library builds an ORM object per event and flushes the session's unit of work to get
        the ids; the same rows written by a Core statement cost a command a third of that.
        """
        if not stored_events:
            return []
        if self._has_autoincrementing_ids:
            self._lock_table(session)
        table = self.events_record_cls.__table__
        statement = self._insert_returning_ids
        if statement is None:
            statement = self._insert_returning_ids = table.insert().returning(
                table.c.id, sort_by_parameter_order=True)
        ids = session.execute(statement, [
            {"originator_id": e.originator_id, "originator_version": e.originator_version, "topic": e.topic,
             "state": e.state} for e in stored_events
        ]).scalars().all()
        self._notify_channel(session)
        return list(ids)

    _insert_returning_ids: Any = None


class CheckedConnectionsFactory(Factory):
    """``eventsourcing_sqlalchemy``'s factory, with the datastore and recorder above."""

    datastore_class = CheckedConnectionsDatastore
    application_recorder_class = UnannouncedEventsRecorder


def database_unavailable(error: BaseException) -> str | None:
    """Why ``error`` means the database is away, full or read-only (a reason to retry later); else None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = _reason(current)
        if reason:
            return reason
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def _reason(error: BaseException) -> str | None:
    if getattr(error, "connection_invalidated", False):
        return "the connection to the database was lost"
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        if sqlstate == "25006":
            return "the database is read-only"
        if sqlstate.startswith("53"):
            return "the database has run out of space or resources"
        if sqlstate in _UNAVAILABLE_CODES or sqlstate[:2] in _UNAVAILABLE_CLASSES:
            return "the database is not available"
        return None
    if type(error).__module__.startswith("psycopg") and type(error).__name__ in {"OperationalError", "InterfaceError"}:
        return "the database does not answer"
    if isinstance(error, sqlite3.OperationalError | sqlite3.InterfaceError):
        message = str(error).lower()
        if "readonly" in message:
            return "the database is read-only"
        if any(text in message for text in _SQLITE_UNAVAILABLE):
            return "the database is not available"
    return None


def notify_commits(datastore: Any, after_commit: AfterCommit) -> None:
    """Tell ``after_commit`` when a transaction of the datastore's sessions commits, or ends otherwise."""
    def committed(session: Any) -> None:
        after_commit.committed()

    def ended(session: Any, transaction: Any) -> None:
        if transaction.parent is None:
            after_commit.ended()

    sa.event.listen(datastore.session_maker, "after_commit", committed)
    sa.event.listen(datastore.session_maker, "after_transaction_end", ended)
