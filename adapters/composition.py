"""The composition root: builds the service from settings."""

from __future__ import annotations

from adapters.config import Settings
from adapters.read_models import SqlCaseListStore
from adapters.statistics_source import SqlStatisticsSource
from service.cases import CaseService, Clock
from service.statistics import Statistics


def build_case_service(settings: Settings, *, clock: Clock | None = None) -> CaseService:
    """A ``CaseService`` storing in ``settings.database_url`` (tables created unless told not to)."""
    extra = {} if clock is None else {"clock": clock}

    def case_list(service: CaseService) -> SqlCaseListStore:
        store = SqlCaseListStore(service.factory.datastore)  # type: ignore[attr-defined]
        if settings.create_tables:
            store.create_tables()
        return store

    def statistics(service: CaseService) -> Statistics:
        engine = service.factory.datastore.engine  # type: ignore[attr-defined]
        return Statistics(SqlStatisticsSource(engine), k=settings.statistics_k,
                          known_units=settings.known_units or ())

    return CaseService(
        env=settings.eventsourcing_env(),
        known_units=settings.known_units,
        snapshot_interval=settings.snapshot_interval,
        case_list=case_list,
        statistics=statistics,
        project_inline=settings.inline_projections,
        **extra,
    )


def close_case_service(service: CaseService) -> None:
    """Close the service and release its database connections."""
    engine = getattr(getattr(service.factory, "datastore", None), "engine", None)
    service.close()
    if engine is not None:
        engine.dispose()
