"""Erasure reaches every byte: after it, no dump of the database holds the erased plaintext."""

from __future__ import annotations

import base64
from datetime import timedelta

from domain.values import Channel, Outcome, Severity
from tests.databases import full_dump
from tests.scenarios import HR, INCIDENT_DAY, MANAGER, case_id

SECRETS = {
    "ref": "E-SECRET-7731",
    "name": "Birgitte Hemmelig",
    "description": "Birgitte shared the patient photo",
    "assessment": "Notes naming Birgitte",
    "statement": "Birgitte says it was a mistake",
    "participant": "Kollega Karlsen",
    "talk": "Talk summary about Birgitte",
    "warning": "Warning text for Birgitte",
    "note": "Note mentioning Birgitte",
    "escalation": "Escalated because Birgitte repeated it",
    "closure": "Closed: Birgitte left",
    "reopening": "Reopened: Birgitte returned",
}


def build_case(service):
    day = INCIDENT_DAY
    view = service.report_incident(
        MANAGER, unit="tandplejen", employee_ref=SECRETS["ref"], employee_name=SECRETS["name"],
        occurred_on=day, rules=["4.3"], channel=Channel.INSTAGRAM, description=SECRETS["description"],
    )
    cid = case_id(view)
    service.assess(MANAGER, cid, work_environment_issue=True, severity=Severity.HIGH, notes=SECRETS["assessment"])
    service.record_statement(MANAGER, cid, received_on=day + timedelta(days=2), summary=SECRETS["statement"])
    service.hold_talk(MANAGER, cid, held_on=day + timedelta(days=3), participants=[SECRETS["participant"]],
                      union_rep_present=True, summary=SECRETS["talk"])
    service.issue_warning(MANAGER, cid, issued_on=day + timedelta(days=4), text=SECRETS["warning"])
    service.add_note(MANAGER, cid, text=SECRETS["note"])
    service.escalate(HR, cid, reason=SECRETS["escalation"])
    service.close_case(HR, cid, outcome=Outcome.SANCTIONED, reason=SECRETS["closure"])
    service.reopen(HR, cid, reason=SECRETS["reopening"])
    service.close_case(HR, cid, outcome=Outcome.SANCTIONED, reason=SECRETS["closure"])
    return cid


def _leaks(text: str) -> list[str]:
    """The secrets found in ``text``: as text, as base64, or as hex (how dumps show bytes)."""
    lowered = text.lower()
    found = []
    for label, secret in SECRETS.items():
        encoded = base64.b64encode(secret.encode()).decode()
        if secret in text or encoded[:16] in text or secret.encode().hex() in lowered:
            found.append(label)
    return found


def test_no_table_holds_personal_data_in_clear_even_before_erasure(make_service, database_url):
    service = make_service(snapshot_interval=3)
    cid = build_case(service)
    assert service.get_case(HR, cid).employee["name"] == SECRETS["name"]
    assert service.list_cases(HR).items[0].employee == {"ref": SECRETS["ref"], "name": SECRETS["name"]}
    dump = full_dump(database_url)
    assert "cases_snapshots" in dump and "case_summaries" in dump
    assert _leaks(dump) == []


def test_after_erasure_no_byte_of_a_full_dump_holds_the_erased_plaintext(make_service, database_url):
    service = make_service(snapshot_interval=3)
    cid = build_case(service)
    before = service.history(HR, cid)
    text_before = repr(before) + repr(service.get_case(HR, cid)) + repr(service.list_cases(HR))
    assert set(_leaks(text_before)) == set(SECRETS)  # everything was readable until now
    service.erase_personal_data(HR, cid, reason="Retention period over; archived first.")

    restarted = make_service(snapshot_interval=3, aggregate_cache_size=0)
    after = restarted.history(HR, cid)
    outputs = repr(after) + repr(restarted.get_case(HR, cid)) + repr(restarted.list_cases(HR))
    outputs += "".join(repr(restarted.get_case(HR, cid, version=n)) for n in range(1, len(after) + 1))
    assert _leaks(outputs) == []
    assert _leaks(full_dump(database_url)) == []
    # The facts of the trail are untouched: the same events, actors and times.
    assert [(e.version, e.type, e.actor, e.recorded_at) for e in after[:-1]] == [
        (e.version, e.type, e.actor, e.recorded_at) for e in before
    ]
    assert after[-1].type == "PersonalDataErased"
    assert restarted.get_case(HR, cid).warnings[0]["issued_on"] == INCIDENT_DAY + timedelta(days=4)
    assert list(restarted.snapshots.get(cid)) == []


def test_an_erased_case_still_replays_and_lists(make_service):
    service = make_service(snapshot_interval=2)
    cid = build_case(service)
    service.erase_personal_data(HR, cid, reason="Retention over.")
    fresh = make_service(aggregate_cache_size=0)
    view = fresh.get_case(HR, cid)
    assert view.personal_data_erased and view.status == "closed" and view.employee is None
    assert fresh.case_list_projection.rebuild() > 0
    [row] = fresh.list_cases(HR).items
    assert row.employee is None and row.status == "closed"
