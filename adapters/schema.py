"""Creating every table the service needs, once, before any web worker starts."""

from __future__ import annotations

from dataclasses import replace

from adapters.composition import build_case_service, close_case_service
from adapters.config import Settings
from adapters.users import UserStore


def create_schema(settings: Settings) -> None:
    """Create the event, read-model and user tables in ``settings.database_url`` (harmless when they exist)."""
    # Asked for explicitly, so BREACHTRAIL_CREATE_TABLES=no in the environment does not apply.
    service = build_case_service(replace(settings, create_tables=True))
    try:
        UserStore(service.factory.datastore.engine).create_tables()  # type: ignore[attr-defined]
    finally:
        close_case_service(service)
