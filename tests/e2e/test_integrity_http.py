"""GET /integrity and POST /integrity/seals: HR proves over HTTP that nothing was cut off the trail since a seal."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import delete

from adapters.composition import seal_signer
from adapters.http.integrity import MAX_SEALS
from adapters.sql.access_log import access_log_table
from adapters.sql.chain import event_chain
from service.seals import make_seal
from service.trail import check_trail
from tests.scenarios import MANAGER, case_id, report


def test_since_an_earlier_head_holds_until_events_are_cut_off_the_end(api, service):
    cid = case_id(report(service))
    noted = api.get("/api/v1/integrity").json["head"]
    since = f"{noted['notification_id']}:{noted['link']}"
    service.add_note(MANAGER, cid, text="Later step.")

    answer = api.get(f"/api/v1/integrity?since={since}")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok" and answer.json["since"]["holds"] is True

    record = service.recorder.events_record_cls
    with service.factory.datastore.transaction(commit=True) as session:
        for version in (2, 1):
            session.query(record).filter(record.originator_id == cid, record.originator_version == version).delete()
        session.execute(delete(event_chain))
    cut = api.get(f"/api/v1/integrity?since={since}").json
    assert cut["first_break"] is None  # the chain alone holds: it is empty
    assert cut["status"] == "broken" and cut["since"]["holds"] is False
    assert "cut off the end" in cut["since"]["problem"]


def test_a_malformed_since_is_a_422_naming_the_field(api):
    answer = api.get("/api/v1/integrity?since=yesterday")
    assert answer.status_code == 422
    assert "since" in answer.json["errors"]


def test_without_since_the_answer_says_nothing_of_it(api):
    assert api.get("/api/v1/integrity").json["since"] is None


def _seal_now(app, service) -> dict:
    """A seal as 'breachtrail integrity seal' makes it, parsed from its line."""
    made = make_seal(check_trail(service.trail()), seal_signer(app.config["SETTINGS"]), datetime.now(UTC))
    return json.loads(made.to_json())


def test_the_answer_covers_the_policy_chain_and_the_access_log(api, service):
    cid = case_id(report(service))
    service.get_case(MANAGER, cid)
    answer = api.get("/api/v1/integrity").json
    assert answer["status"] == "ok"
    assert answer["policies"]["events_verified"] >= 1 and answer["policies"]["first_break"] is None
    assert answer["access_log"]["entries_verified"] >= 1 and answer["access_log"]["problems"] == []


def test_a_seal_posted_back_holds_until_access_log_entries_are_cut_off_the_end(app, api, service):
    cid = case_id(report(service))
    for _ in range(3):
        service.get_case(MANAGER, cid)
    seal = _seal_now(app, service)
    [sealed] = seal["access_log"]

    holds = api.post("/api/v1/integrity/seals", {"seals": [seal]})
    assert holds.status_code == 200, holds.json
    assert holds.json["status"] == "ok" and holds.json["seals"][0]["holds"] is True

    t = access_log_table
    with service.factory.datastore.transaction(commit=True) as session:
        session.execute(delete(t).where(t.c.chain == sealed["chain"], t.c.seq == sealed["entries"]))
    assert api.get("/api/v1/integrity").json["status"] == "ok"  # the log alone still holds
    cut = api.post("/api/v1/integrity/seals", {"seals": [seal]}).json
    assert cut["status"] == "broken" and cut["seals"][0]["holds"] is False
    problems = cut["seals"][0]["problems"]
    assert any("access log chain" in problem and "cut off the end" in problem for problem in problems)


def test_a_posted_seal_that_is_not_one_is_a_422_and_a_manager_may_not_ask(api):
    answer = api.post("/api/v1/integrity/seals", {"seals": [{"kind": "something else"}]})
    assert answer.status_code == 422 and "seals" in answer.json["errors"]
    assert api.post("/api/v1/integrity/seals", {"seals": []}, caller="manager").status_code == 403


def test_a_rewritten_policy_text_breaks_the_answer_naming_the_policy_event(api, service):
    policies = service.policies
    record = policies.recorder.events_record_cls
    with policies.factory.datastore.transaction(commit=True) as session:
        stored = session.query(record).filter(record.originator_version == 1).one()
        policy_id = str(stored.originator_id)
        stored.state = stored.state.replace(b"godkendelse", b"tilladelse", 1)
    answer = api.get("/api/v1/integrity").json
    assert answer["status"] == "broken" and answer["first_break"] is None
    assert answer["policies"]["first_break"]["case_id"] == policy_id
    assert "altered" in answer["policies"]["first_break"]["problem"]


def test_more_seals_than_a_request_may_carry_are_refused_before_any_is_checked(api):
    seal = {"kind": "breachtrail-seal", "events": 0, "head": 0, "link": "", "sealed_at": "2026-01-01T00:00:00+00:00",
            "public_key": "00", "signature": "00"}
    response = api.post("/api/v1/integrity/seals", {"seals": [seal] * (MAX_SEALS + 1)}, caller="hr")

    assert response.status_code == 422
    assert list(response.json["errors"]) == ["seals"]
