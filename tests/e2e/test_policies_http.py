"""The policy over HTTP: HR takes a revised guideline through consultation, approval and force; cases cite it."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.http import NEW_CASE, Api, assert_problem, stored_events
from tests.policy_texts import DRAFT_KEY, NEW_43, OLD_43, REVISED, new_key, with_rule_44, without_rule_53
from tests.scenarios import TODAY

POLICY = f"/api/v1/policies/{DRAFT_KEY}"


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def take_version_2_into_force(api: Api, *, from_days_ago: int = 10) -> dict:
    assert api.post(f"{POLICY}/versions", {"text": REVISED}).status_code == 201
    v2 = f"{POLICY}/versions/2"
    sent = api.post(f"{v2}/consultation", {"bodies": ["LMU tandplejen", "LMU dagtilbud-nord"],
                                          "sent_on": ago(40), "deadline": ago(20)})
    assert sent.status_code == 200, sent.get_json()
    for body, position in (("LMU tandplejen", "supports"), ("LMU dagtilbud-nord", "proposes_changes")):
        answered = api.post(f"{v2}/consultation/responses", {
            "body": body, "received_on": ago(30), "position": position, "summary": f"{body} answered."})
        assert answered.status_code == 200, answered.get_json()
    assert api.post(f"{v2}/consultation/closure", {"closed_on": ago(19)}).status_code == 200
    approved = api.post(f"{v2}/approval", {"body": "MED Børne- og Familieområdet", "meeting_on": ago(15),
                                           "reference": "MED 2026-11, pkt. 4"})
    assert approved.status_code == 200, approved.get_json()
    forced = api.post(f"{v2}/entry-into-force", {"from": ago(from_days_ago)})
    assert forced.status_code == 200, forced.get_json()
    return forced.get_json()


def test_a_fresh_installation_has_the_draft_in_force_for_every_unit_in_its_own_words(api: Api):
    listed = api.get("/api/v1/policies", caller="rep")
    assert listed.status_code == 200
    assert [(p["id"], p["version_in_force"]) for p in listed.get_json()] == [(DRAFT_KEY, 1)]
    rules = api.get("/api/v1/policy/rules?unit=skoler", caller="rep").get_json()
    assert [r["code"] for r in rules] == ["3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3",
                                          "6.1", "6.2", "6.3"]
    assert next(r for r in rules if r["code"] == "4.3")["text_da"] == OLD_43
    text = api.get(f"{POLICY}/versions/1", caller="rep").get_json()["text"]
    assert [s["number"] for s in text["sections"]] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_a_case_reported_under_version_1_keeps_its_words_after_version_2_comes_into_force(api: Api):
    recent = {**NEW_CASE, "occurred_on": ago(5), "rules": ["4.3"]}
    old = api.post("/api/v1/cases", recent, caller="manager").get_json()
    assert old["policy"] == {"id": DRAFT_KEY, "version": 1, "adaptation": None}
    assert old["rule_texts"][0]["text_da"] == OLD_43

    policy = take_version_2_into_force(api)
    v2 = policy["versions"][1]
    assert (v2["status"], v2["in_force_now"], v2["consultation"]["awaiting"]) == ("in_force", True, [])
    assert [r["position"] for r in v2["consultation"]["responses"]] == ["supports", "proposes_changes"]

    new = api.post("/api/v1/cases", recent, caller="manager").get_json()
    assert new["policy"]["version"] == 2 and new["rule_texts"][0]["text_da"] == NEW_43
    before = api.post("/api/v1/cases", {**recent, "occurred_on": ago(30)}, caller="manager").get_json()
    assert before["policy"]["version"] == 1
    again = api.get(f"/api/v1/cases/{old['id']}", caller="manager").get_json()
    assert again["policy"]["version"] == 1 and again["rule_texts"][0]["text_da"] == OLD_43
    assert api.get(f"/api/v1/policy/rules?on={ago(0)}").get_json()[5]["text_da"] == NEW_43
    assert api.get(f"/api/v1/policy/rules?on={ago(11)}").get_json()[5]["text_da"] == OLD_43


def test_a_unit_adaptation_applies_in_its_unit_only_and_may_add_rules(api: Api):
    adapted = api.post(f"{POLICY}/versions/1/adaptations", {
        "unit": "tandplejen", "text": with_rule_44(new_key(REVISED, DRAFT_KEY)), "body": "LMU tandplejen",
        "meeting_on": ago(20), "reference": "LMU 2026-10", "from": ago(10)})
    assert adapted.status_code == 200, adapted.get_json()
    case = api.post("/api/v1/cases", {**NEW_CASE, "occurred_on": ago(3), "rules": ["4.4"]}, caller="manager")
    assert case.status_code == 201, case.get_json()
    assert case.get_json()["policy"] == {"id": DRAFT_KEY, "version": 1, "adaptation": 1}
    elsewhere = api.post("/api/v1/cases", {**NEW_CASE, "unit": "skoler", "occurred_on": ago(3), "rules": ["4.4"]})
    assert_problem(elsewhere, 422)
    assert [r["code"] for r in api.get(f"/api/v1/policy/rules?unit=tandplejen&on={ago(3)}").get_json()][6] == "4.4"
    dropped = api.post(f"{POLICY}/versions/1/adaptations", {
        "unit": "skoler", "text": without_rule_53(REVISED), "body": "LMU skoler",
        "meeting_on": ago(20), "reference": "LMU 2026-10", "from": ago(10)})
    assert "5.3" in assert_problem(dropped, 422)["errors"]["text"][0]


def test_steps_out_of_order_are_refused_and_store_nothing(api: Api, service):
    assert api.post(f"{POLICY}/versions", {"text": REVISED}).status_code == 201
    before = service.policies.recorder.max_notification_id()
    assert_problem(api.post(f"{POLICY}/versions/2/entry-into-force", {"from": ago(0)}), 409)
    assert_problem(api.post(f"{POLICY}/versions/2/consultation/responses", {
        "body": "LMU x", "received_on": ago(0), "position": "objects", "summary": "No."}), 409)
    assert_problem(api.post(f"{POLICY}/versions/9/approval", {
        "body": "MED", "meeting_on": ago(0), "reference": "x"}), 409)
    assert_problem(api.post(f"{POLICY}/versions", {"text": "not a policy"}), 422)
    assert_problem(api.get("/api/v1/policies/no-such-policy"), 404)
    assert service.policies.recorder.max_notification_id() == before


def test_only_hr_changes_policies_and_everyone_reads_them(api: Api):
    for caller in ("manager", "rep"):
        assert_problem(api.post(f"{POLICY}/versions", {"text": REVISED}, caller=caller), 403)
        assert api.get(POLICY, caller=caller).status_code == 200
    assert api.get(POLICY, caller="anonymous").status_code == 401


def test_without_a_version_in_force_a_report_is_refused_naming_what_is_missing(api: Api, service):
    assert api.post(f"{POLICY}/withdrawal", {"on": ago(10), "reason": "Replaced locally."}).status_code == 200
    events = stored_events(service)
    refused = assert_problem(api.post("/api/v1/cases", {**NEW_CASE, "occurred_on": ago(3)}, caller="manager"), 409,
                             type="urn:breachtrail:problem:no-policy-in-force")
    assert "tandplejen" in refused["detail"] and ago(3) in refused["detail"]
    assert stored_events(service) == events
    assert api.post("/api/v1/cases", {**NEW_CASE, "occurred_on": ago(11)}, caller="manager").status_code == 201
    assert_problem(api.get(f"/api/v1/policy/rules?on={ago(0)}"), 409)


def test_an_open_consultation_past_its_deadline_shows_who_has_not_answered(api: Api, service):
    api.post(f"{POLICY}/versions", {"text": REVISED})
    api.post(f"{POLICY}/versions/2/consultation", {"bodies": ["LMU a", "LMU b"], "sent_on": ago(20),
                                                  "deadline": ago(5)})
    api.post(f"{POLICY}/versions/2/consultation/responses", {"body": "LMU a", "received_on": ago(10),
                                                            "position": "objects", "summary": "Too strict."})
    consultation = api.get(POLICY).get_json()["versions"][1]["consultation"]
    assert (consultation["overdue"], consultation["awaiting"]) == (True, ["LMU b"])
    assert service.policies.overdue_consultations() == [
        {"policy": DRAFT_KEY, "version": 2, "deadline": TODAY - timedelta(days=5), "awaiting": ["LMU b"]}]
