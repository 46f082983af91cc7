"""The Policy aggregate's invariants, table by table, and which text is in force where and when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from domain.errors import InvalidPolicyData, PolicyStepNotAllowed
from domain.policy import Policy
from domain.policy_in_force import DEFAULT_IN_FORCE_FROM, in_force
from domain.policy_records import Position
from domain.policy_text import parse_policy_text, render_policy_text
from domain.values import Actor, Role
from tests.policy_texts import DRAFT, DRAFT_KEY, NEW_43, REVISED, new_key, with_rule_44, without_rule_53

HR = Actor("hanne", Role.HR)
D = date(2026, 9, 1)


def day(n: int) -> date:
    return date.fromordinal(D.toordinal() + n)


def drafted() -> Policy:
    return Policy.draft(actor=HR, text=DRAFT)


def consulting() -> Policy:
    policy = drafted()
    policy.send_to_consultation(actor=HR, version=1, bodies=["LMU a", "LMU b"], sent_on=day(0), deadline=day(14))
    return policy


def closed() -> Policy:
    policy = consulting()
    policy.close_consultation(actor=HR, version=1, closed_on=day(15))
    return policy


def approved() -> Policy:
    policy = closed()
    policy.approve(actor=HR, version=1, body="MED", meeting_on=day(20), reference="MED 4")
    return policy


def in_force_policy() -> Policy:
    policy = approved()
    policy.bring_into_force(actor=HR, version=1, in_force_from=day(30))
    return policy


def withdrawn() -> Policy:
    policy = in_force_policy()
    policy.withdraw(actor=HR, on=day(40), reason="Replaced.")
    return policy


Step = Callable[[Policy], object]
RESPOND: Step = lambda p: p.record_response(  # noqa: E731
    actor=HR, version=1, body="LMU a", received_on=day(3), position=Position.SUPPORTS, summary="Fine.")
FORCE: Step = lambda p: p.bring_into_force(actor=HR, version=1, in_force_from=day(30))  # noqa: E731
APPROVE: Step = lambda p: p.approve(actor=HR, version=1, body="MED", meeting_on=day(20), reference="x")  # noqa: E731
SEND: Step = lambda p: p.send_to_consultation(  # noqa: E731
    actor=HR, version=1, bodies=["LMU a"], sent_on=day(0), deadline=day(9))
CLOSE: Step = lambda p: p.close_consultation(actor=HR, version=1, closed_on=day(15))  # noqa: E731
REVISE: Step = lambda p: p.revise(actor=HR, text=REVISED)  # noqa: E731
ADAPT_DROPPING: Step = lambda p: p.adapt_for_unit(  # noqa: E731
    actor=HR, version=1, unit="skoler", text=without_rule_53(DRAFT), body="LMU skoler", meeting_on=day(21),
    reference="x", in_force_from=day(31))


@pytest.mark.parametrize(("state", "step", "error", "says"), [
    (drafted, FORCE, PolicyStepNotAllowed, "only an approved version can come into force"),
    (consulting, FORCE, PolicyStepNotAllowed, "not approved"),
    (closed, FORCE, PolicyStepNotAllowed, "not approved"),
    (drafted, RESPOND, PolicyStepNotAllowed, "no open consultation"),
    (closed, RESPOND, PolicyStepNotAllowed, "no open consultation"),
    (closed, CLOSE, PolicyStepNotAllowed, "no open consultation"),
    (consulting, APPROVE, PolicyStepNotAllowed, "still open"),
    (approved, APPROVE, PolicyStepNotAllowed, "already approved"),
    (approved, SEND, PolicyStepNotAllowed, "already approved"),
    (closed, SEND, PolicyStepNotAllowed, "already sent"),
    (in_force_policy, FORCE, PolicyStepNotAllowed, "already in force"),
    (in_force_policy, ADAPT_DROPPING, InvalidPolicyData, "5.3"),
    (withdrawn, REVISE, PolicyStepNotAllowed, "ended"),
    (drafted, lambda p: p.revise(actor=HR, text=DRAFT), InvalidPolicyData, "same text"),
    (drafted, lambda p: p.revise(actor=HR, text=new_key(DRAFT, "other")), InvalidPolicyData, "key must stay"),
    (consulting, lambda p: p.record_response(actor=HR, version=1, body="LMU z", received_on=day(3),
                                             position=Position.OBJECTS, summary="No."), InvalidPolicyData,
     "was not consulted"),
    (approved, lambda p: p.bring_into_force(actor=HR, version=1, in_force_from=day(19)), InvalidPolicyData,
     "before the approval"),
    (drafted, lambda p: p.send_to_consultation(actor=HR, version=1, bodies=[], sent_on=day(0), deadline=day(1)),
     InvalidPolicyData, "at least one body"),
    (drafted, lambda p: p.send_to_consultation(actor=HR, version=1, bodies=["a", "a"], sent_on=day(0),
                                               deadline=day(1)), InvalidPolicyData, "once"),
    (drafted, lambda p: p.send_to_consultation(actor=HR, version=2, bodies=["a"], sent_on=day(0),
                                               deadline=day(1)), PolicyStepNotAllowed, "no version 2"),
])
def test_a_step_the_policy_forbids_is_refused_and_changes_nothing(state, step, error, says):
    policy = state()
    policy.collect_events()
    before = render_policy_text(policy.versions[-1].text), len(policy.versions), policy.version
    with pytest.raises(error, match=says):
        step(policy)
    assert (render_policy_text(policy.versions[-1].text), len(policy.versions), policy.version) == before
    assert policy.collect_events() == []


def test_a_body_answers_once_and_only_while_consultation_is_open():
    policy = consulting()
    RESPOND(policy)
    with pytest.raises(PolicyStepNotAllowed, match="already answered"):
        RESPOND(policy)
    assert policy.versions[0].consultation.awaiting() == ["LMU b"]
    assert policy.versions[0].consultation.overdue(day(15))
    assert not policy.versions[0].consultation.overdue(day(14))


def test_a_revision_is_a_new_version_and_the_version_in_force_keeps_its_words():
    policy = in_force_policy()
    assert policy.revise(actor=HR, text=REVISED) == 2
    assert policy.versions[0].text == parse_policy_text(DRAFT)
    assert policy.versions[1].rules()[5].text_da == NEW_43
    assert [v.status.value for v in policy.versions] == ["in_force", "draft"]


def test_every_event_carries_its_actor():
    policy = in_force_policy()
    assert {event.actor for event in policy.collect_events()} == {HR}


def _adapted(unit: str, text: str, from_day: int) -> Policy:
    policy = in_force_policy()
    policy.adapt_for_unit(actor=HR, version=1, unit=unit, text=text, body=f"LMU {unit}", meeting_on=day(21),
                          reference="LMU 1", in_force_from=day(from_day))
    return policy


@pytest.mark.parametrize(("unit", "on", "expected"), [
    ("tandplejen", day(29), None),                  # nothing in force yet
    ("tandplejen", day(30), (1, None)),             # the common version, before the adaptation
    ("tandplejen", day(35), (1, 1)),                # the unit's adaptation from its own date
    ("skoler", day(35), (1, None)),                 # another unit follows the common version
    (None, day(35), (1, None)),                     # the area as a whole
])
def test_a_units_adaptation_takes_precedence_in_that_unit_only(unit, on, expected):
    policy = _adapted("tandplejen", with_rule_44(DRAFT), 35)
    citation = in_force([policy], unit, on)
    assert (None if citation is None else (citation.version, citation.adaptation)) == expected
    if expected == (1, 1):
        assert "4.4" in citation.codes()


def test_the_latest_version_in_force_wins_and_a_units_own_policy_wins_a_tie():
    common = in_force_policy()
    common.revise(actor=HR, text=REVISED)
    common.approve(actor=HR, version=2, body="MED", meeting_on=day(50), reference="MED 9")
    common.bring_into_force(actor=HR, version=2, in_force_from=day(60))
    own = Policy.draft(actor=HR, text=new_key(DRAFT, "tandplejens-egen"), scope_unit="tandplejen")
    own.approve(actor=HR, version=1, body="LMU tandplejen", meeting_on=day(50), reference="LMU 2")
    own.bring_into_force(actor=HR, version=1, in_force_from=day(60))
    assert in_force([common, own], "tandplejen", day(59)).version == 1
    assert in_force([common, own], "tandplejen", day(60)).policy_id == "tandplejens-egen"
    assert in_force([common, own], "skoler", day(60)).policy_id == DRAFT_KEY
    assert in_force([common, own], "skoler", day(60)).version == 2
    assert in_force([withdrawn()], "skoler", day(40)) is None


def test_the_default_policy_is_in_force_everywhere_from_the_earliest_date():
    policy = Policy.install_default(actor=HR, text=DRAFT, in_force_from=DEFAULT_IN_FORCE_FROM)
    assert in_force([policy], "any-unit", DEFAULT_IN_FORCE_FROM).version == 1
    assert policy.versions[0].installation_default
