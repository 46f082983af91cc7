"""Figures for monitoring (``/metrics``), read from the event store and the case list."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.sql.read_models import case_summaries
from service.cases import CaseService


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
