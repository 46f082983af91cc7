"""The OpenAPI document, the interactive docs from local files, and the health check."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from adapters.http.context import CASE_SERVICE
from tests.e2e.http import Api, assert_problem

STEPS = ["assessment", "hearing", "statements", "talks", "warnings", "escalation", "notes", "closure",
         "reopening", "erasure"]
OPERATIONS = {
    ("get", "/healthz"), ("get", "/readyz"),
    ("get", "/api/v1/policy/rules"), ("get", "/api/v1/cases"), ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases/{case_id}"), ("get", "/api/v1/cases/{case_id}/history"),
    ("get", "/api/v1/cases/{case_id}/export"), ("get", "/api/v1/cases/{case_id}/access-log"),
    ("get", "/api/v1/statistics"), ("get", "/api/v1/statistics/releases"), ("post", "/api/v1/statistics/releases"),
    ("get", "/api/v1/integrity"),
    ("post", "/api/v1/integrity/seals"),
    ("get", "/api/v1/deadlines"), ("get", "/api/v1/reminders/runs"),
    ("get", "/api/v1/units/{unit}/staff"), ("post", "/api/v1/units/{unit}/staff"),
    ("patch", "/api/v1/units/{unit}/staff/{ref}"), ("post", "/api/v1/units/{unit}/reviews"),
    ("post", "/api/v1/units/{unit}/staff/{ref}/introduction"), ("get", "/api/v1/units/{unit}/coverage"),
    ("get", "/api/v1/coverage"), ("get", "/api/v1/cases/{case_id}/policy-acknowledgement"),
    *(("post", f"/api/v1/cases/{{case_id}}/{step}") for step in STEPS),
    ("get", "/api/v1/policies"), ("post", "/api/v1/policies"), ("get", "/api/v1/policies/{policy_id}"),
    ("post", "/api/v1/policies/{policy_id}/versions"), ("get", "/api/v1/policies/{policy_id}/versions/{version}"),
    ("post", "/api/v1/policies/{policy_id}/withdrawal"), ("post", "/api/v1/policies/{policy_id}/supersession"),
    *(("post", f"/api/v1/policies/{{policy_id}}/versions/{{version}}/{step}") for step in (
        "consultation", "consultation/responses", "consultation/closure", "approval", "entry-into-force",
        "adaptations")),
}


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    response = api.get("/api/v1/openapi.json", caller="anonymous")
    assert response.status_code == 200
    return dict(response.get_json())


def test_the_openapi_document_is_public_and_lists_every_operation(document: dict[str, Any]) -> None:
    operations = {(method, path) for path, item in document["paths"].items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"}}

    assert operations == OPERATIONS
    assert document["openapi"].startswith("3.")


def test_the_document_names_the_bearer_scheme_and_only_the_health_check_goes_without(
    document: dict[str, Any],
) -> None:
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        **document["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer",
    }
    assert document["security"] == [{"bearerAuth": []}]
    unauthenticated = {
        path for path, item in document["paths"].items()
        for operation in item.values() if isinstance(operation, dict) and operation.get("security") == []
    }
    assert unauthenticated == {"/healthz", "/readyz"}


def test_every_step_documents_its_answers_and_errors_as_problems(document: dict[str, Any]) -> None:
    for step in STEPS:
        operation = document["paths"][f"/api/v1/cases/{{case_id}}/{step}"]["post"]
        assert {"200", "400", "401", "403", "404", "409", "412", "413", "415", "422"} <= set(operation["responses"])
        assert "ETag" in operation["responses"]["200"]["headers"]
        assert any(parameter["name"] == "If-Match" for parameter in operation["parameters"])
    created = document["paths"]["/api/v1/cases"]["post"]["responses"]["201"]
    assert {"Location", "ETag"} <= set(created["headers"])
    for response in document["components"]["responses"].values():
        if "content" in response:
            assert set(response["content"]) == {"application/problem+json"}


def test_the_case_schema_holds_every_field_of_the_contract(document: dict[str, Any]) -> None:
    case = document["components"]["schemas"]["Case"]

    assert {"id", "version", "unit", "status", "employee", "occurred_on", "rules", "channel", "description",
            "reported_at", "reported_by", "assessment", "hearing", "statements", "talks", "warnings", "notes",
            "escalation", "closure", "personal_data_erased"} <= set(case["required"])
    report = document["components"]["schemas"]["ReportIncident"]
    assert report["additionalProperties"] is False
    assert report["properties"]["channel"]["enum"] == ["snapchat", "facebook", "instagram", "messenger", "sms",
                                                       "other"]
    assert report["properties"]["description"]["maxLength"] == 5000


def test_the_interactive_docs_load_only_files_the_service_serves_itself(api: Api) -> None:
    page = api.get("/api/v1/docs", caller="anonymous")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)

    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
    assert len(assets) == 3
    for asset in assets:
        response = api.get(asset, caller="anonymous")
        assert response.status_code == 200, asset
        assert response.mimetype in {"text/css", "text/javascript", "application/javascript"}
        assert len(response.get_data()) > 10_000
    assert '"/api/v1/openapi.json"' in html


def test_the_docs_assets_route_serves_nothing_outside_swagger_ui(api: Api) -> None:
    for path in ["/api/v1/docs/assets/../../../wsgi.py", "/api/v1/docs/assets/%2e%2e/__init__.py",
                 "/api/v1/docs/assets/missing.js"]:
        assert_problem(api.get(path, caller="anonymous"), 404)


def test_the_health_check_needs_no_token(api: Api) -> None:
    response = api.get("/healthz", caller="anonymous")

    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_the_health_check_reports_a_database_that_does_not_answer(
    api: Api, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = app.extensions[CASE_SERVICE].factory.datastore.engine

    def unreachable() -> None:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(engine, "connect", unreachable)
    response = api.get("/healthz", caller="anonymous")

    problem = assert_problem(response, 503, detail="The database does not answer.")
    assert "database down" not in str(problem)


def test_a_case_as_answered_is_what_the_documented_case_schema_describes(api: Api, app: Flask) -> None:
    from marshmallow import Schema

    from adapters.http.representations import CaseSchema
    from tests.e2e.http import NEW_CASE
    from tests.scenarios import HR

    reported = api.post("/api/v1/cases", {**NEW_CASE, "description": "Æblegrød 👩🏽‍⚕️ مرحبا"}, caller="manager")
    case_id = reported.get_json()["id"]
    for text in ("Første opfølgning.", "Anden — «citat» \u2028 ny linje"):
        assert api.post(f"/api/v1/cases/{case_id}/notes", {"text": text}, caller="manager").status_code == 200
    answer = api.get(f"/api/v1/cases/{case_id}")
    document = api.get("/api/v1/openapi.json", caller="anonymous").get_json()

    schema = document["components"]["schemas"]["Case"]
    content = document["paths"]["/api/v1/cases/{case_id}"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Case"}
    assert set(answer.get_json()) == set(schema["properties"]) == set(schema["required"])
    assert schema["properties"]["notes"]["items"] == {"$ref": "#/components/schemas/NoteOut"}
    view = app.extensions[CASE_SERVICE].get_case(HR, case_id)
    with app.test_request_context():
        field_by_field = app.json.response(Schema.dump(CaseSchema(), view)).get_data()
    assert answer.get_data() == field_by_field
