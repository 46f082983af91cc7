"""A seal covers the whole trail: rows cut off the end of an access-log chain, or of the policy
chain, or a released table rewritten, pass ``verify`` alone but not ``verify --against`` a seal."""

from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import delete, func, select, update

from adapters.config import parse_master_key
from adapters.sql.access_log import access_log_table
from adapters.sql.chain import SealSigner, event_chain, policy_chain
from service.seals import Seal
from tests.policy_texts import DRAFT_KEY, REVISED
from tests.scenarios import HR, MANAGER, case_id, report


def _seal(run, seals) -> dict:
    made = run("integrity", "seal", "--out", str(seals))
    assert made.exit_code == 0, made.output
    return json.loads(made.output.strip().splitlines()[-1])


def _reads(service, times: int = 3):
    cid = case_id(report(service))
    for _ in range(times):
        service.get_case(MANAGER, cid)
    return cid


def test_access_log_entries_cut_off_the_end_of_a_chain_fail_verify_against_a_seal(make_service, master_key, run,
                                                                                   tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    _reads(service)
    seals = tmp_path / "seals.jsonl"
    seal = _seal(run, seals)
    [sealed] = seal["access_log"]
    assert sealed["entries"] == 3 and len(sealed["link"]) == 64
    unchanged = run("verify", "--against", str(seals))
    assert unchanged.exit_code == 0, unchanged.output

    t = access_log_table
    with service.factory.datastore.transaction(commit=True) as session:  # the two newest reads go
        session.execute(delete(t).where(t.c.chain == sealed["chain"], t.c.seq >= 2))

    assert run("verify").exit_code == 0  # the chain alone still holds: it is only shorter
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1
    assert f"access log chain {sealed['chain']} ends at entry 1, before its sealed head 3" in result.output
    assert "cut off the end" in result.output


def test_a_whole_access_log_chain_deleted_fails_verify_against_a_seal(make_service, master_key, run, tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    _reads(service, times=1)
    seals = tmp_path / "seals.jsonl"
    [sealed] = _seal(run, seals)["access_log"]
    with service.factory.datastore.transaction(commit=True) as session:
        session.execute(delete(access_log_table))
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1
    assert f"access log chain {sealed['chain']} (1 entries sealed) is gone" in result.output


def test_reads_after_a_seal_keep_it_holding(make_service, master_key, run, tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    cid = _reads(service)
    seals = tmp_path / "seals.jsonl"
    _seal(run, seals)
    service.get_case(HR, cid)
    make_service(master_key=parse_master_key(master_key)).get_case(HR, cid)  # another worker's chain
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 0, result.output
    assert "access log entries verified in 2 chains" in result.output


def test_a_seal_of_the_first_format_still_holds_and_still_catches_a_cut(make_service, master_key, run, tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    cid = case_id(report(service))
    service.add_note(MANAGER, cid, text="A later step.")
    head = service.chain.store.head()
    signer = SealSigner(parse_master_key(master_key))
    unsigned = Seal(events=2, head=head.notification_id, link=head.link, sealed_at="2026-01-01T00:00:00+00:00",
                    public_key=signer.public_key, format=1)
    old = replace(unsigned, signature=signer.sign(unsigned.message()))
    assert set(json.loads(old.to_json())) == {"kind", "events", "head", "link", "sealed_at", "public_key",
                                              "signature"}
    seals = tmp_path / "seals.jsonl"
    seals.write_text(old.to_json() + "\n")
    assert run("verify", "--against", str(seals)).exit_code == 0

    record = service.recorder.events_record_cls
    with service.factory.datastore.transaction(commit=True) as session:
        session.query(record).filter(record.originator_id == cid, record.originator_version == 2).delete()
        session.execute(delete(event_chain).where(event_chain.c.notification_id == head.notification_id))
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1 and "events were cut off the end since the seal" in result.output


def test_policy_events_cut_off_the_end_with_their_links_fail_verify_against_a_seal(make_service, master_key, run,
                                                                                   tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    policies = service.policies
    policies.revise(HR, DRAFT_KEY, text=REVISED)
    seals = tmp_path / "seals.jsonl"
    seal = _seal(run, seals)
    sealed = seal["policies"]["events"]
    assert sealed >= 2 and seal["policies"]["head"] == policies.recorder.max_notification_id()
    assert run("verify", "--against", str(seals)).exit_code == 0

    record = policies.recorder.events_record_cls
    with policies.factory.datastore.transaction(commit=True) as session:  # the revision goes, with its link
        newest = session.execute(select(func.max(policy_chain.c.notification_id))).scalar_one()
        session.query(record).filter(record.id == newest).delete()
        session.execute(delete(policy_chain).where(policy_chain.c.notification_id == newest))

    alone = run("verify")
    assert alone.exit_code == 0 and f"ok: {sealed - 1} policy events verified" in alone.output
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1
    assert "policy events were cut off the end since the seal" in result.output


def test_a_policy_text_rewritten_in_the_database_fails_verify_naming_the_policy(make_service, master_key, run):
    service = make_service(master_key=parse_master_key(master_key))
    policies = service.policies
    record = policies.recorder.events_record_cls
    with policies.factory.datastore.transaction(commit=True) as session:
        stored = session.query(record).filter(record.originator_version == 1).one()
        assert b"godkendelse" in stored.state
        policy_id = str(stored.originator_id)
        stored.state = stored.state.replace(b"godkendelse", b"tilladelse", 1)  # still well-formed
    result = run("verify")
    assert result.exit_code == 1
    assert f"POLICY CHAIN BROKEN at policy event 1: policy {DRAFT_KEY} ({policy_id}) version 1" in result.output
    assert "altered" in result.output
    refused = run("integrity", "seal")
    assert refused.exit_code == 1 and "policy chain is broken" in refused.output


def test_a_policy_event_written_outside_the_service_is_caught(make_service, master_key, run):
    service = make_service(master_key=parse_master_key(master_key))
    policies = service.policies
    policies.revise(HR, DRAFT_KEY, text=REVISED)
    with policies.factory.datastore.transaction(commit=True) as session:
        newest = session.execute(select(func.max(policy_chain.c.notification_id))).scalar_one()
        session.execute(delete(policy_chain).where(policy_chain.c.notification_id == newest))
    result = run("verify")
    assert result.exit_code == 1 and "not in the chain" in result.output


def test_a_rewritten_access_log_link_after_a_seal_is_caught(make_service, master_key, run, tmp_path):
    service = make_service(master_key=parse_master_key(master_key))
    _reads(service)
    seals = tmp_path / "seals.jsonl"
    [sealed] = _seal(run, seals)["access_log"]
    t = access_log_table
    with service.factory.datastore.transaction(commit=True) as session:
        session.execute(update(t).where(t.c.chain == sealed["chain"], t.c.seq == 3).values(link="0" * 64))
    result = run("verify", "--against", str(seals))
    assert result.exit_code == 1 and "ACCESS LOG" in result.output
