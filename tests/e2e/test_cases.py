"""Cases over HTTP as managers and HR use them: from report to closure, lists, erasure."""

from __future__ import annotations

from typing import Any

from service.cases import CaseService
from tests.e2e.http import NEW_CASE, Api, assert_problem, day, stored_events
from tests.scenarios import MANAGER

CASE_FIELDS = {
    "id", "version", "unit", "status", "employee", "occurred_on", "rules", "channel", "description",
    "reported_at", "reported_by", "assessment", "hearing", "statements", "talks", "warnings", "notes",
    "escalation", "closure", "personal_data_erased",
}


def _report(api: Api, caller: str = "manager", **changes: Any) -> dict[str, Any]:
    response = api.post("/api/v1/cases", {**NEW_CASE, **changes}, caller=caller)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.get_json())


def _step(api: Api, case: dict[str, Any], step: str, body: dict[str, Any], caller: str = "manager") -> Any:
    response = api.post(f"/api/v1/cases/{case['id']}/{step}", body, caller=caller)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_manager_takes_a_case_from_report_to_closure(api: Api) -> None:
    case = _report(api)
    assert set(case) >= CASE_FIELDS
    assert case["employee"] == {"ref": "E-1042", "name": "Jane Doe"}
    assert case["occurred_on"] == day(0) and case["rules"] == ["4.1", "6.1"] and case["channel"] == "snapchat"

    case = _step(api, case, "assessment", {"work_environment_issue": True, "severity": "high"})
    assert case["assessment"]["severity"] == "high" and case["assessment"]["assessed_by"] == MANAGER.id
    case = _step(api, case, "talks", {"held_on": day(10), "participants": ["Mette Manager", "Jane Doe"],
                                      "union_rep_present": True, "summary": "Went through section 4.3."})
    refused = api.post(f"/api/v1/cases/{case['id']}/warnings", {"issued_on": day(20), "text": "Warning."},
                       caller="manager")
    assert_problem(refused, 409, type="urn:breachtrail:problem:employee-not-heard")
    case = _step(api, case, "hearing", {"sent_on": day(11)})
    assert case["hearing"]["sent_on"] == day(11) and case["hearing"]["deadline"] > day(11)
    case = _step(api, case, "statements", {"received_on": day(12), "summary": "I meant no harm."})
    assert case["employee_heard"] is True
    case = _step(api, case, "warnings", {"issued_on": day(20), "text": "Written warning.", "valid_until": day(385)})
    assert case["status"] == "warning_issued" and case["warnings"][0]["valid_until"] == day(385)
    case = _step(api, case, "notes", {"text": "Followed up a month later."})
    case = _step(api, case, "closure", {"outcome": "sanctioned", "reason": "Warning given."})

    assert case["status"] == "closed" and case["version"] == 8
    assert case["closure"]["outcome"] == "sanctioned" and case["closure"]["closed_by"] == MANAGER.id
    assert case["allowed_steps"] == ["reopening", "erasure"]
    history = api.get(f"/api/v1/cases/{case['id']}/history").get_json()
    assert [entry["type"] for entry in history] == [
        "IncidentReported", "Assessed", "TalkHeld", "HearingOpened", "StatementRecorded", "WarningIssued",
        "NoteAdded", "Closed",
    ]
    assert [entry["version"] for entry in history] == list(range(1, 9))
    assert {entry["actor"]["id"] for entry in history} == {MANAGER.id}
    assert history[2]["data"]["held_on"] == day(10)


def test_hr_escalates_and_reopens_a_case_a_manager_closed(api: Api) -> None:
    case = _report(api)
    case = _step(api, case, "closure", {"outcome": "dismissed", "reason": "Not a breach."})

    case = _step(api, case, "reopening", {"reason": "A colleague came forward."}, caller="hr")

    assert case["status"] == "reported" and case["closure"] is None
    assert case["reopenings"][0]["reopened_by"] == "hanne.hr"


def test_dates_and_times_are_written_as_the_contract_says(api: Api) -> None:
    case = _report(api)
    history = api.get(f"/api/v1/cases/{case['id']}/history").get_json()

    assert case["occurred_on"] == NEW_CASE["occurred_on"]
    for moment in (case["reported_at"], case["last_activity_at"], history[0]["recorded_at"]):
        assert moment[10] == "T" and moment.endswith("+00:00")
    assert history[0]["data"]["occurred_on"] == NEW_CASE["occurred_on"]


def test_a_manager_lists_only_their_units_cases_and_hr_lists_all(api: Api) -> None:
    own = _report(api)
    _report(api, caller="other_manager", unit="skoler")
    hr_case = _report(api, caller="hr", unit="dagtilbud-nord")

    as_manager = api.get("/api/v1/cases", caller="manager").get_json()
    as_hr = api.get("/api/v1/cases").get_json()

    assert [item["id"] for item in as_manager["items"]] == [own["id"]]
    assert as_manager["total"] == 1 and as_manager["page"] == 1 and as_manager["per_page"] == 50
    assert as_hr["total"] == 3 and as_hr["items"][0]["id"] == hr_case["id"]
    assert as_hr["items"][0]["employee"] == {"ref": "E-1042", "name": "Jane Doe"}
    assert "description" not in as_hr["items"][0]
    # Filtering by another unit's name shows a manager nothing of it.
    assert api.get("/api/v1/cases?unit=skoler", caller="manager").get_json()["total"] == 0
    assert api.get("/api/v1/cases?unit=skoler", caller="other_manager").get_json()["total"] == 1


def test_the_case_list_filters_and_pages(api: Api) -> None:
    first = _report(api, rules=["4.1"])
    second = _report(api, rules=["6.2"])
    third = _report(api, rules=["4.1", "6.2"])
    _step(api, second, "closure", {"outcome": "resolved", "reason": "Talked it through."})
    _step(api, third, "hearing", {"sent_on": day(5)})  # its deadline passed long ago

    def ids(query: str) -> list[str]:
        body = api.get(f"/api/v1/cases?{query}").get_json()
        return [item["id"] for item in body["items"]]

    assert ids("status=closed") == [second["id"]]
    assert ids("rule=4.1") == [third["id"], first["id"]]
    assert ids("overdue=true") == [third["id"]]
    assert ids("overdue=false") == [second["id"], first["id"]]
    assert ids("unit=tandplejen&rule=6.2&status=reported") == [third["id"]]
    page_two = api.get("/api/v1/cases?per_page=2&page=2").get_json()
    assert page_two == {**page_two, "page": 2, "per_page": 2, "total": 3}
    assert [item["id"] for item in page_two["items"]] == [first["id"]]
    assert api.get("/api/v1/cases?page=9").get_json()["items"] == []


def test_after_erasure_no_response_shows_personal_data(api: Api, service: CaseService) -> None:
    case = _report(api)
    _step(api, case, "assessment", {"work_environment_issue": True, "severity": "low", "notes": "Mild."})
    _step(api, case, "talks", {"held_on": day(3), "participants": ["Jane Doe"], "union_rep_present": False,
                               "summary": "Talked."})
    _step(api, case, "closure", {"outcome": "resolved", "reason": "Resolved with Jane."})

    erased = _step(api, case, "erasure", {"reason": "Retention period over."}, caller="hr")

    assert erased["personal_data_erased"] is True and erased["employee"] is None
    assert erased["description"] is None and erased["talks"][0]["participants"] == []
    assert erased["erasure"]["erased_by"] == "hanne.hr"
    responses = [
        api.get(f"/api/v1/cases/{case['id']}"),
        api.get(f"/api/v1/cases/{case['id']}?version=1"),
        api.get(f"/api/v1/cases/{case['id']}/history"),
        api.get("/api/v1/cases"),
    ]
    for response in responses:
        text = response.get_data(as_text=True)
        for personal in ("Jane", "E-1042", "staff room", "Mild.", "Talked."):
            assert personal not in text, (personal, response.request.path)
    assert_problem(api.post(f"/api/v1/cases/{case['id']}/reopening", {"reason": "x"}), 409)
    assert stored_events(service) == 5


def test_responses_with_personal_data_are_never_cached(api: Api) -> None:
    case = _report(api)
    responses = [
        api.post("/api/v1/cases", NEW_CASE),
        api.get("/api/v1/cases"),
        api.get(f"/api/v1/cases/{case['id']}"),
        api.get(f"/api/v1/cases/{case['id']}/history"),
        api.post(f"/api/v1/cases/{case['id']}/notes", {"text": "A note."}),
    ]

    assert [response.headers.get("Cache-Control") for response in responses] == ["no-store"] * 5
