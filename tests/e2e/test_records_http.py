"""Over HTTP: the access log, the case file export and reading a case as it stood at a moment."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest

from domain.values import Status
from tests.e2e.http import USERS, Api, assert_problem, stored_events
from tests.scenarios import HR, case_in

READS = {
    "case": "/api/v1/cases/{id}",
    "history": "/api/v1/cases/{id}/history",
    "export": "/api/v1/cases/{id}/export",
    "access-log": "/api/v1/cases/{id}/access-log",
}


def _log(service, cid) -> list[Any]:
    return service.access_log.entries(str(cid))


@pytest.mark.parametrize("caller, reads", [
    ("manager", ["case", "history"]),
    ("hr", ["case", "history", "export", "access-log"]),
])
def test_each_read_route_adds_exactly_one_entry_naming_the_caller(api: Api, service, caller, reads):
    cid = case_in(service, Status.ASSESSED)
    user = USERS[caller]

    for read in reads:
        before = _log(service, cid)
        response = api.get(READS[read].format(id=cid), caller=caller)
        assert response.status_code == 200, response.get_data(as_text=True)
        after = _log(service, cid)
        assert after[: len(before)] == before and len(after) == len(before) + 1
        assert (after[-1].read, after[-1].user_id, after[-1].role) == (read, user.id, user.role.value)


def test_a_read_as_of_a_moment_or_a_version_is_logged_with_what_was_asked(api: Api, service):
    cid = case_in(service, Status.ASSESSED)

    assert api.get(f"/api/v1/cases/{cid}?version=1").status_code == 200
    assert api.get(f"/api/v1/cases/{cid}?as_of=2999-01-01T01:00:00%2B01:00").status_code == 200

    versioned, moment = _log(service, cid)[-2:]
    assert (versioned.version, versioned.as_of) == (1, None)
    assert moment.version is None and moment.as_of.isoformat() == "2999-01-01T00:00:00+00:00"


@pytest.mark.parametrize("caller", ["manager", "other_manager", "rep", "revoked", "anonymous"])
def test_refused_reads_leave_no_entry(api: Api, service, caller):
    cid = case_in(service, Status.ASSESSED)
    before = _log(service, cid)
    allowed = {"case", "history"} if caller == "manager" else set()

    for read, path in READS.items():
        status = api.get(path.format(id=cid), caller=caller).status_code
        assert (status == 200) == (read in allowed), (read, status)

    assert sorted(e.read for e in _log(service, cid)[len(before):]) == sorted(allowed)


def test_the_access_log_is_oldest_first_and_ends_with_its_own_read(api: Api, service):
    cid = case_in(service, Status.ASSESSED)
    api.get(f"/api/v1/cases/{cid}/history", caller="manager")

    body = api.get(f"/api/v1/cases/{cid}/access-log").get_json()

    assert [(e["read"], e["user"]["id"]) for e in body] == [
        ("case", HR.id), ("history", "mette.manager"), ("access-log", HR.id)]
    assert [e["at"] for e in body] == sorted(e["at"] for e in body)
    assert set(body[0]) == {"at", "user", "read", "version", "as_of"}


def test_the_export_is_the_case_and_its_history_as_the_api_shows_them(api: Api, service):
    cid = case_in(service, Status.WARNING_ISSUED)
    case = api.get(f"/api/v1/cases/{cid}").get_json()
    history = api.get(f"/api/v1/cases/{cid}/history").get_json()

    response = api.get(f"/api/v1/cases/{cid}/export")

    body = response.get_json()
    assert response.headers["Content-Disposition"] == f'attachment; filename="case-{cid}.json"'
    assert body["case"] == case and body["history"] == history
    assert [e["read"] for e in body["access_log"]] == ["case", "case", "history", "export"]
    assert [link["version"] for link in body["chain"]] == [e["version"] for e in history]
    assert body["export"] == {**body["export"], "format": "breachtrail.case-file", "format_version": 1,
                              "exported_by": {"id": HR.id, "role": "hr"}}


def test_an_erased_case_exports_no_personal_data(api: Api, service):
    cid = case_in(service, Status.CLOSED)
    secrets = [api.get(f"/api/v1/cases/{cid}").get_json()["employee"]["ref"], "Jane Doe", "Posted pictures",
               "Behaviour changed"]
    assert api.post(f"/api/v1/cases/{cid}/erasure", {"reason": "Retention over."}).status_code == 200

    text = api.get(f"/api/v1/cases/{cid}/export").get_data(as_text=True)

    assert all(secret not in text for secret in secrets)


def test_unknown_cases_are_not_found(api: Api):
    for path in ("export", "access-log"):
        assert_problem(api.get(f"/api/v1/cases/{uuid.uuid4()}/{path}"), 404)


def test_as_of_shows_the_case_as_it_stood_then(api: Api, service):
    cid = case_in(service, Status.TALK_HELD)
    assessed_at = service.history(HR, cid)[1].recorded_at

    response = api.get(f"/api/v1/cases/{cid}?as_of={quote(assessed_at.isoformat())}")

    assert response.status_code == 200
    assert response.get_json() == api.get(f"/api/v1/cases/{cid}?version=2").get_json()
    assert response.headers["ETag"] == '"2"'
    # An unencoded "+" arrives as a space; before an offset it can only have been a "+".
    unencoded = assessed_at.astimezone().isoformat().replace("+", " ")
    assert api.get(f"/api/v1/cases/{cid}?as_of={unencoded}").get_json()["version"] == 2


def test_as_of_before_the_report_is_not_found(api: Api, service):
    cid = case_in(service, Status.ASSESSED)
    before = service.history(HR, cid)[0].recorded_at - timedelta(microseconds=1)

    problem = assert_problem(api.get(f"/api/v1/cases/{cid}?as_of={quote(before.isoformat())}"), 404)

    assert "not been reported yet" in problem["detail"]


@pytest.mark.parametrize("query, message", [
    ("as_of=2026-06-10T12:00:00", "offset"),
    ("as_of=2026-06-10", "offset"),
    ("as_of=yesterday", "ISO 8601"),
    ("as_of=0001-01-01T00:00:00%2B05:00", "out of range"),
    ("version=1&as_of=2026-06-10T12:00:00Z", "not both"),
])
def test_a_malformed_moment_is_invalid_input_and_stores_nothing(api: Api, service, query, message):
    cid = case_in(service, Status.ASSESSED)
    events, reads = stored_events(service), _log(service, cid)

    problem = assert_problem(api.get(f"/api/v1/cases/{cid}?{query}"), 422)

    assert message in " ".join(problem["errors"]["as_of"])
    assert stored_events(service) == events and _log(service, cid) == reads


def test_the_openapi_document_describes_as_of_and_the_new_routes(api: Api):
    document = api.get("/api/v1/openapi.json", caller="anonymous").get_json()

    parameters = document["paths"]["/api/v1/cases/{case_id}"]["get"]["parameters"]
    as_of = next(p for p in parameters if p["name"] == "as_of")
    assert as_of["in"] == "query" and as_of["schema"]["format"] == "date-time"
    assert "offset" in as_of["description"]
    export = document["paths"]["/api/v1/cases/{case_id}/export"]["get"]
    assert {"200", "401", "403", "404"} <= set(export["responses"])
    access_log = document["paths"]["/api/v1/cases/{case_id}/access-log"]["get"]
    assert {"200", "401", "403", "404"} <= set(access_log["responses"])
    assert {"CaseFile", "AccessEntry", "ChainLink"} <= set(document["components"]["schemas"])
