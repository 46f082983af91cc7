"""The least-privilege roles of docs/DEPLOYMENT.md, run as written: the owner makes the schema, the
app role works normally and cannot drop, truncate, change or delete stored events (PostgreSQL)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from adapters.composition import close_case_service, create_schema
from adapters.config import Settings
from adapters.http import create_app
from adapters.http.context import CASE_SERVICE, USER_STORE
from tests.databases import _libpq_dsn, postgres_base_url
from tests.e2e.http import NEW_CASE, Api, register_callers
from tests.faults import admin

pytestmark = pytest.mark.postgres_only

DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "DEPLOYMENT.md"


def sql_blocks(names: dict[str, str]) -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", DEPLOYMENT.read_text(), flags=re.DOTALL)
    renamed = []
    for block in blocks:
        for old, new in names.items():
            block = re.sub(rf"\b{old}\b", new, block)
        renamed.append(block)
    return renamed


def test_the_app_role_works_but_cannot_drop_truncate_or_rewrite_events(backend: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    owner, app_role, database = f"bt_owner_{suffix}", f"bt_app_{suffix}", f"bt_roles_{suffix}"
    superuser_sql, owner_sql = sql_blocks({"breachtrail_owner": owner, "breachtrail_app": app_role,
                                           "breachtrail": database})
    base = make_url(postgres_base_url() or "").set(drivername="postgresql+psycopg", database=database)
    owner_url = base.set(username=owner, password="change-me-owner").render_as_string(hide_password=False)
    app_url = base.set(username=app_role, password="change-me-app").render_as_string(hide_password=False)
    with admin() as connection:
        for statement in filter(str.strip, superuser_sql.split(";")):
            if not statement.strip().startswith("--") or "\n" in statement.strip():
                connection.execute(statement)
    try:
        create_schema(Settings(database_url=owner_url))
        with psycopg.connect(_libpq_dsn(owner_url), autocommit=True) as connection:
            connection.execute(owner_sql)

        app = create_app({"SETTINGS": Settings(database_url=app_url, create_tables=False)})
        try:
            api = Api(app.test_client(), register_callers(app.extensions[USER_STORE]))
            created = api.post("/api/v1/cases", NEW_CASE, caller="manager")
            assert created.status_code == 201, created.get_data(as_text=True)
            case_id = created.get_json()["id"]
            assert api.post(f"/api/v1/cases/{case_id}/notes", {"text": "Spoke to the team."},
                            caller="manager").status_code == 200
            assert api.get(f"/api/v1/cases/{case_id}", caller="manager").status_code == 200
            assert api.get("/readyz", caller="anonymous").status_code == 200
            assert app.extensions[CASE_SERVICE].verify_integrity().ok
            policies = app.extensions[CASE_SERVICE].policies
            assert policies.chain.verify().ok and policies.chain.verify().checked >= 1
        finally:
            close_case_service(app.extensions[CASE_SERVICE])

        for statement in ("DROP TABLE cases_events", "TRUNCATE cases_events", "TRUNCATE case_summaries",
                          "DROP TABLE case_summaries",
                          "UPDATE cases_events SET originator_version = originator_version",
                          "DELETE FROM cases_events",
                          "UPDATE policies_events SET originator_version = originator_version",
                          "DELETE FROM policies_events"):
            with psycopg.connect(_libpq_dsn(app_url), autocommit=True) as connection, \
                    pytest.raises(psycopg.Error):
                connection.execute(statement)
        with psycopg.connect(_libpq_dsn(owner_url)) as connection:
            assert connection.execute("SELECT count(*) FROM cases_events").fetchone() == (2,)
    finally:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{app_role}"')
            connection.execute(f'DROP ROLE IF EXISTS "{owner}"')
