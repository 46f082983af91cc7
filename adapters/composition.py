"""The composition root: the one place the service and its stores are built from settings.

Entry rooms (``http/``, ``web/``, ``cli/``) get everything they use from here; only this
module wires the ``sql/`` stores into the service.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Recording

from adapters.config import ConfigurationError, Settings
from adapters.sql.access_log import SqlAccessLog
from adapters.sql.chain import SqlChainStore, chain_key
from adapters.sql.datastore import FACTORY_TOPIC, database_unavailable
from adapters.sql.keys import CaseKeyError, SqlKeyRing
from adapters.sql.read_models import SqlCaseListStore, case_summaries
from adapters.sql.schema_version import SchemaTooNew, check_not_newer, code_version, database_version, upgrade
from adapters.sql.statistics_source import SqlStatisticsSource
from adapters.sql.users import USERS_TABLE, UserAccount, UserError, UserStore
from service.cases import CaseService, Clock
from service.integrity import EventChain, StoredRecord, stored_records
from service.statistics import Statistics


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
        ring = SqlKeyRing(service.factory.datastore, settings.resolved_master_key())  # type: ignore[attr-defined]
        if settings.create_tables:
            ring.create_tables()
        try:
            ring.check_master_key()
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

    # The library's engine, with connections checked on checkout (adapters.sql.datastore says why).
    env = {**settings.eventsourcing_env(), "PERSISTENCE_MODULE": FACTORY_TOPIC}
    return CaseService(
        env=env,
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
    users = UserStore(service.factory.datastore.engine)  # type: ignore[attr-defined]
    if settings.create_tables:
        users.create_tables()
    return users


def create_schema(settings: Settings) -> list[str]:
    """Create or upgrade the schema in ``settings.database_url``; the upgrade steps it ran.

    Refuses (``SchemaTooNew``) a database a newer release has upgraded, before touching it.
    """
    engine = sa.create_engine(settings.database_url, pool_pre_ping=True)
    try:
        check_not_newer(engine)

        def create_tables() -> None:
            # Asked for explicitly, so BREACHTRAIL_CREATE_TABLES=no in the environment does not apply.
            tables = replace(settings, create_tables=True)
            service = build_case_service(tables)
            try:
                build_user_store(service, tables)
            finally:
                close_case_service(service)

        return [f"{m.version}: {m.description}" for m in upgrade(engine, create_tables)]
    finally:
        engine.dispose()


def check_schema(service: CaseService, settings: Settings) -> None:
    """Refuse a database a newer release upgraded; with tables created here, record their version too."""
    engine = service.factory.datastore.engine  # type: ignore[attr-defined]
    if settings.create_tables:
        upgrade(engine, lambda: None)  # the service has just made every table
    else:
        check_not_newer(engine)


def operational_figures(service: CaseService) -> dict[str, int]:
    """Figures for monitoring: events stored, the read side's lag, cases whose personal data is erased."""
    projection = service.case_list_projection
    engine = service.factory.datastore.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        erased = connection.execute(sa.select(sa.func.count()).select_from(case_summaries).where(
            case_summaries.c.personal_data_erased.is_(True))).scalar_one()
    return {
        "events_stored": int(service.recorder.max_notification_id() or 0),
        "projection_lag": projection.status().lag if projection is not None else 0,
        "cases_erased": int(erased),
    }


def schema_versions(service: CaseService) -> tuple[int | None, int]:
    """The schema version of the service's database (None: empty) and the one this code expects."""
    return database_version(service.factory.datastore.engine), code_version()  # type: ignore[attr-defined]


__all__ = [
    "USERS_TABLE",
    "SchemaTooNew",
    "UserAccount",
    "UserError",
    "UserStore",
    "build_case_service",
    "build_user_store",
    "check_schema",
    "close_case_service",
    "code_version",
    "create_schema",
    "database_unavailable",
    "forget_personal_data",
    "operational_figures",
    "schema_versions",
]
