"""GET /integrity?since=: HR proves over HTTP that nothing was cut off the trail since a seal."""

from __future__ import annotations

from sqlalchemy import delete

from adapters.sql.chain import event_chain
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
