"""Staff, reviews, introductions, coverage and the warning confirmation, over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from adapters.composition import build_staff_service
from service.cases import CaseService
from service.staff_import import parse_staff_csv
from tests.e2e.http import NEW_CASE, Api, assert_problem, day, stored_events
from tests.scenarios import HR, TODAY

ON = (TODAY - timedelta(days=5)).isoformat()


def import_demo(service: CaseService, app: Flask) -> None:
    """Ten employees of tandplejen, E-1001 .. E-1010, from long ago."""
    staff = build_staff_service(service, app.config["SETTINGS"])
    start = (TODAY - timedelta(days=1000)).isoformat()
    text = "employee_ref,name,start_date\n" + "".join(f"E-{1000 + n},Ansat {n},{start}\n" for n in range(1, 11))
    staff.apply_import(HR, staff.plan_import(HR, "tandplejen", parse_staff_csv(text)))


def patch(api: Api, path: str, body: Any) -> Any:
    return api.client.patch(path, json=body, headers=api.headers["hr"])


def case_ready_for_warning(api: Api, ref: str) -> str:
    case = api.post("/api/v1/cases", {**NEW_CASE, "employee": {"ref": ref, "name": "Ansat"}}, caller="manager")
    cid = str(case.get_json()["id"])
    for path, body in [
        ("assessment", {"work_environment_issue": True, "severity": "low"}),
        ("talks", {"held_on": day(5), "participants": ["Mette"], "union_rep_present": False, "summary": "Talk."}),
        ("statements", {"received_on": day(6), "summary": "Sorry."}),
    ]:
        assert api.post(f"/api/v1/cases/{cid}/{path}", body, caller="manager").status_code == 200
    return cid


def test_a_review_and_introductions_show_in_each_roles_coverage(api: Api, app: Flask, service: CaseService):
    import_demo(service, app)
    review = api.post("/api/v1/units/tandplejen/reviews", {
        "held_on": ON, "led_by": "Mette Madsen", "participants": ["E-1001", "E-1002", "E-1003", "E-1004", "E-1005"],
    }, caller="manager")
    assert review.status_code == 201, review.get_json()
    assert review.get_json()["policy"] == {"policy_id": "tandplejen-udkast-2026", "version": 1}
    for ref in ("E-1006", "E-1007"):
        intro = api.post(f"/api/v1/units/tandplejen/staff/{ref}/introduction",
                         {"acknowledged_on": ON, "method": "intro_meeting"}, caller="manager")
        assert intro.status_code == 201 and intro.get_json()["acknowledged_on"] == ON
    named = api.get("/api/v1/units/tandplejen/coverage", caller="manager").get_json()
    assert (named["employees"], named["acknowledged"], named["missing_count"]) == (10, 7, 3)
    assert sorted(m["name"] for m in named["missing"]) == ["Ansat 10", "Ansat 8", "Ansat 9"]
    for caller in ("rep", "other_manager", "manager", "hr"):
        anonymous = api.get("/api/v1/coverage", caller=caller)
        assert anonymous.status_code == 200
        [unit] = anonymous.get_json()["units"]
        # 3 missing, below k = 5: never said, and the percentage is the same as for 0 to 4 missing.
        assert (unit["missing"], unit["missing_under_k"], unit["coverage_percent_min"],
                unit["coverage_percent_max"]) == (None, True, 60, 100)
        assert "Ansat" not in anonymous.get_data(as_text=True)
    assert_problem(api.get("/api/v1/units/tandplejen/coverage", caller="rep"), 403)
    assert_problem(api.get("/api/v1/units/tandplejen/coverage", caller="other_manager"), 403)
    assert_problem(api.get("/api/v1/units/tandplejen/staff", caller="rep"), 403)


def test_a_review_naming_someone_not_on_the_list_is_refused_field_by_field(api: Api, app: Flask,
                                                                           service: CaseService):
    import_demo(service, app)
    before = stored_events(service)
    body: dict[str, Any] = {"held_on": ON, "led_by": "Mette", "participants": ["E-1001", "X-9"]}
    problem = assert_problem(api.post("/api/v1/units/tandplejen/reviews", body, caller="manager"), 422)
    assert list(problem["errors"]) == ["participants.1"]
    assert stored_events(service) == before


def test_a_warning_without_acknowledgement_asks_for_and_records_the_confirmation(api: Api, app: Flask,
                                                                                 service: CaseService):
    import_demo(service, app)
    cid = case_ready_for_warning(api, "E-1009")
    status = api.get(f"/api/v1/cases/{cid}/policy-acknowledgement", caller="manager").get_json()
    assert (status["acknowledged"], status["on_staff_list"], status["staff_list_kept"]) == (False, True, True)
    before = stored_events(service)
    warning = {"issued_on": day(20), "text": "Skriftlig advarsel."}
    problem = assert_problem(api.post(f"/api/v1/cases/{cid}/warnings", warning, caller="manager"), 409,
                             type="urn:breachtrail:problem:policy-not-acknowledged",
                             required_field="unacknowledged_policy_reason")
    assert problem["missing_acknowledgement"] == {"policy_id": "tandplejen-udkast-2026", "version": 1}
    assert stored_events(service) == before
    reason = "Reviewed with her in person at the March staff meeting; minutes attached to the case file."
    issued = api.post(f"/api/v1/cases/{cid}/warnings", {**warning, "unacknowledged_policy_reason": reason},
                      caller="manager")
    assert issued.status_code == 200 and issued.get_json()["status"] == "warning_issued"
    history = api.get(f"/api/v1/cases/{cid}/history", caller="hr").get_json()
    [event] = [e for e in history if e["type"] == "WarningIssued"]
    assert event["data"]["unacknowledged_policy_reason"] == reason
    assert event["actor"]["role"] == "manager"
    after = api.get(f"/api/v1/cases/{cid}/policy-acknowledgement", caller="hr")
    assert after.status_code == 200 and after.get_json()["acknowledged"] is False


def test_hr_edits_the_staff_list_and_a_manager_cannot(api: Api, app: Flask, service: CaseService):
    new = {"employee_ref": "E-2001", "name": "Ny Kollega", "start_date": ON}
    assert_problem(api.post("/api/v1/units/tandplejen/staff", new, caller="manager"), 403)
    created = api.post("/api/v1/units/tandplejen/staff", new, caller="hr")
    assert created.status_code == 201 and created.get_json()["name"] == "Ny Kollega"
    assert_problem(api.post("/api/v1/units/tandplejen/staff", new, caller="hr"), 409)
    left = patch(api, "/api/v1/units/tandplejen/staff/E-2001", {"end_date": TODAY.isoformat()})
    assert left.status_code == 200, left.get_json()
    assert left.get_json()["end_date"] == TODAY.isoformat()
    assert_problem(patch(api, "/api/v1/units/tandplejen/staff/E-9999", {"name": "X"}), 404)
    assert_problem(api.post("/api/v1/units/tandplejen/staff", {**new, "start_date": "yesterday"}), 422)
    listed = api.get("/api/v1/units/tandplejen/staff", caller="manager").get_json()
    assert [m["employee_ref"] for m in listed] == ["E-2001"]
