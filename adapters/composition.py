"""The composition root: the one place the service and its stores are built from settings.

Entry rooms (``http/``, ``web/``, ``cli/``) get everything they use from here; only this
module wires the ``sql/`` stores into the service.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recording

from adapters.config import ConfigurationError, Settings
from adapters.sql.access_log import SqlAccessLog
from adapters.sql.chain import SealSigner, SqlChainStore, chain_key
from adapters.sql.key_epochs import EpochKeyFiles
from adapters.sql.keys import CaseKeyError, SqlKeyRing
from adapters.sql.read_models import SqlCaseListStore
from adapters.sql.sqlite_files import checkpoint, overwrite_deleted_content
from adapters.sql.statistics_source import SqlStatisticsSource
from adapters.sql.users import USERS_TABLE, UserAccount, UserError, UserStore
from service.cases import CaseService, Clock
from service.integrity import EventChain, StoredRecord, stored_records
from service.statistics import Statistics
from service.user_accounts import SYSTEM_CLI, UnknownUserAccount, UserAdministration


def build_case_service(settings: Settings, *, clock: Clock | None = None) -> CaseService:
    """A ``CaseService`` storing in ``settings.database_url`` (tables created unless told not to)."""
    extra = {} if clock is None else {"clock": clock}

    def case_list(service: CaseService) -> SqlCaseListStore:
        store = SqlCaseListStore(service.factory.datastore, getattr(service, "key_ring", None))  # type: ignore[attr-defined]
        if settings.create_tables:
            store.create_tables()
        return store

    def statistics(service: CaseService) -> Statistics:
        engine = service.factory.datastore.engine  # type: ignore[attr-defined]
        return Statistics(SqlStatisticsSource(engine), k=settings.statistics_k,
                          known_units=settings.known_units or ())

    def key_ring(service: CaseService) -> SqlKeyRing:
        datastore = service.factory.datastore  # type: ignore[attr-defined]
        overwrite_deleted_content(datastore.engine)
        if not getattr(datastore, "is_sqlite_in_memory_db", False):
            datastore.engine.dispose()  # connections made before the pragma was set
        master_key = settings.resolved_master_key()
        ring = SqlKeyRing(
            datastore, master_key, EpochKeyFiles(settings.key_dir, master_key),
            backup_window=timedelta(days=settings.backup_window_days),
        )
        if settings.create_tables:
            ring.create_tables()
        try:
            ring.check_master_key()
            ring.start()
        except CaseKeyError as error:
            raise ConfigurationError(str(error)) from None
        return ring

    def transaction(service: CaseService) -> Callable[[], AbstractContextManager[Any]]:
        datastore = service.factory.datastore  # type: ignore[attr-defined]
        return lambda: datastore.transaction(commit=True)

    def extend_chain(service: CaseService, recordings: list[Recording[UUID]]) -> None:
        assert service.chain is not None
        service.chain.extend([
            StoredRecord(r.notification.id, str(r.notification.originator_id), r.notification.originator_version,
                         r.notification.topic, bytes(r.notification.state))
            for r in recordings
        ])

    def chain(service: CaseService) -> EventChain:
        store = SqlChainStore(service.factory.datastore)  # type: ignore[attr-defined]
        if settings.create_tables:
            store.create_tables()
        return EventChain(store, chain_key(settings.resolved_master_key()), stored_records(service.recorder))

    def access_log(service: CaseService) -> SqlAccessLog:
        log = SqlAccessLog(service.factory.datastore)  # type: ignore[attr-defined]
        if settings.create_tables:
            log.create_tables()
        return log

    return CaseService(
        env=settings.eventsourcing_env(),
        known_units=settings.known_units,
        snapshot_interval=settings.snapshot_interval,
        case_list=case_list,
        statistics=statistics,
        project_inline=settings.inline_projections,
        key_ring=key_ring,
        transaction=transaction,
        on_erased=forget_personal_data,
        chain=chain,
        after_record=[extend_chain],
        access_log=access_log,
        after_erasure=start_new_key_epoch,
        **extra,
    )


def forget_personal_data(service: CaseService, case_id: UUID) -> None:
    """On erasure, in its transaction: destroy the case's key and drop its snapshots."""
    key_ring = service.key_ring
    assert isinstance(key_ring, SqlKeyRing)
    key_ring.destroy(case_id)
    if service.snapshots is not None:
        recorder: Any = service.snapshots.recorder
        with recorder.datastore.transaction(commit=True) as session:
            record = recorder.events_record_cls
            session.query(record).filter(record.originator_id == case_id).delete()


def start_new_key_epoch(service: CaseService, case_id: UUID | None = None) -> None:
    """After an erasure: re-wrap the surviving case keys under a new epoch, destroy the old one
    (unless backups within the window need it), and empty SQLite's write-ahead log."""
    key_ring = service.key_ring
    assert isinstance(key_ring, SqlKeyRing)
    key_ring.rotate()
    checkpoint(service.factory.datastore.engine)  # type: ignore[attr-defined]


def seal_signer(settings: Settings) -> SealSigner:
    """The installation's seal signer, its key derived from the master key."""
    return SealSigner(settings.resolved_master_key())


def close_case_service(service: CaseService) -> None:
    """Close the service and release its database connections."""
    engine = getattr(getattr(service.factory, "datastore", None), "engine", None)
    if isinstance(service.access_log, SqlAccessLog):
        service.access_log.close()
    service.close()
    if engine is not None:
        engine.dispose()


def build_user_store(service: CaseService, settings: Settings) -> UserStore:
    """The user register in the service's database (its tables created unless told not to)."""
    datastore = service.factory.datastore  # type: ignore[attr-defined]
    users = UserStore(datastore.engine, datastore)
    if settings.create_tables:
        users.create_tables()
    return users


def build_user_administration(service: CaseService, users: UserStore) -> UserAdministration:
    """Users' grants as events in the service's store, with the users table written alongside.

    The command line calls it as ``SYSTEM_CLI``; the web application's user administration as
    its HR user: ``add_user(actor, user_id, role, units) -> token``, ``change_user``,
    ``revoke_user``, ``issue_token``, ``user_history(user_id)``, ``differences()``.
    """
    datastore = service.factory.datastore  # type: ignore[attr-defined]
    return UserAdministration(service, users, lambda: datastore.transaction(commit=True))


def create_schema(settings: Settings) -> None:
    """Create the event, read-model and user tables in ``settings.database_url`` (harmless when they exist)."""
    # Asked for explicitly, so BREACHTRAIL_CREATE_TABLES=no in the environment does not apply.
    settings = replace(settings, create_tables=True)
    service = build_case_service(settings)
    try:
        build_user_administration(service, build_user_store(service, settings)).record_existing_grants()
    finally:
        close_case_service(service)


__all__ = [
    "SYSTEM_CLI", "USERS_TABLE", "UnknownUserAccount", "UserAccount", "UserAdministration", "UserError", "UserStore",
    "build_case_service", "build_user_administration", "build_user_store", "close_case_service", "create_schema",
    "forget_personal_data", "seal_signer", "start_new_key_epoch",
]
