"""Cutting events off the end of the trail: the chain alone cannot see it, a seal does."""

from __future__ import annotations

import json

from sqlalchemy import delete

from adapters.config import parse_master_key
from adapters.sql.chain import event_chain
from tests.scenarios import HR, MANAGER, case_id, report


def cut_the_last_event_and_its_link(service, cid) -> None:
    """What an intruder with database access does to hide a step: both rows go."""
    head = service.recorder.max_notification_id()
    record = service.recorder.events_record_cls
    with service.factory.datastore.transaction(commit=True) as session:
        session.query(record).filter(record.originator_id == cid, record.originator_version == 2).delete()
        session.execute(delete(event_chain).where(event_chain.c.notification_id == head))


def test_a_cut_off_end_passes_verify_but_not_verify_against_a_seal(make_service, master_key, run, tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    cid = case_id(report(service))
    service.add_note(MANAGER, cid, text="The step someone wants gone.")
    seals = tmp_path / "seals.jsonl"

    sealed = run("integrity", "seal", "--out", str(seals))
    assert sealed.exit_code == 0, sealed.output
    seal = json.loads(sealed.output.strip().splitlines()[-1])
    assert seal["events"] == 2 and seal["head"] == service.recorder.max_notification_id()
    assert json.loads(seals.read_text().strip()) == seal and oct(seals.stat().st_mode)[-3:] == "600"
    assert run("verify", "--against", str(seals)).exit_code == 0

    cut_the_last_event_and_its_link(service, cid)
    assert service.verify_integrity(HR).ok  # the chain alone still holds
    # The case list still shows the cut step: folding the events again gives it away.
    alone = run("verify")
    assert alone.exit_code == 1 and f"case_summaries: case {cid}, column version" in alone.output
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1
    assert "cut off the end" in result.output


def test_a_forged_or_foreign_seal_is_refused(make_service, master_key, run, tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    report(service)
    seals = tmp_path / "seals.jsonl"
    run("integrity", "seal", "--out", str(seals))
    seal = json.loads(seals.read_text())
    seal["events"] = 0  # an intruder lowering the count after cutting events
    seals.write_text(json.dumps(seal) + "\n")
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1 and "signature does not hold" in result.output

    seals.write_text("not a seal\n")
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1 and "line 1" in result.output


def test_new_events_after_a_seal_keep_it_holding(make_service, master_key, run, tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    report(service)
    seals = tmp_path / "seals.jsonl"
    run("integrity", "seal", "--out", str(seals))
    report(service)
    run("integrity", "seal", "--out", str(seals))
    report(service)
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 0 and "all 2 seals hold" in result.output
