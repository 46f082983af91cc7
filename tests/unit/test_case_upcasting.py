"""Cases stored before policies were kept still load, citing version 1 of the default draft."""

from __future__ import annotations

import json
from datetime import date

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex

from domain.case import Case
from domain.policy_in_force import default_citation
from domain.values import Actor, Channel, Role
from service.transcodings import register_domain_transcodings
from tests.policy_texts import DRAFT_KEY, OLD_43

MANAGER = Actor("mette", Role.MANAGER)


def mapper() -> Mapper:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    register_domain_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def test_an_incident_reported_before_policies_were_kept_cites_version_1_of_the_draft():
    case = Case.report(actor=MANAGER, unit="tandplejen", employee_ref="E-1", employee_name=None,
                       occurred_on=date(2026, 6, 1), rules=["4.3", "6.1"], channel=Channel.SNAPCHAT,
                       description="A photo.", today=date(2026, 7, 1), policy=default_citation())
    stored = mapper().to_stored_event(case.collect_events()[0])
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    for added in ("policy_id", "policy_version", "policy_adaptation", "rule_texts"):
        state.pop(added)
    old = stored.__class__(stored.originator_id, stored.originator_version, stored.topic,
                           json.dumps(state).encode())

    event = mapper().to_domain_event(old)
    again = event.mutate(None)
    assert (again.policy_id, again.policy_version, again.policy_adaptation) == (DRAFT_KEY, 1, None)
    assert [t["code"] for t in again.rule_texts] == ["4.3", "6.1"]
    assert again.rule_texts[0]["text_da"] == OLD_43


def test_a_snapshot_taken_before_policies_were_kept_is_upcast_too():
    state = {"rules": ["3.1"], "unit": "tandplejen"}
    Case.upcast_v1_v2(state)
    assert state["policy_id"] == DRAFT_KEY and state["rule_texts"][0]["code"] == "3.1"
