"""Any sequence of commands: each applies or is refused by a domain rule, and the stored
trail always replays to the live state."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.case import Case
from domain.errors import DomainError
from domain.values import Outcome, Severity
from service.case_list import evolve
from service.errors import AccessDenied
from service.views import case_view
from tests.scenarios import HR, INCIDENT_DAY, MANAGER, case_id, report

actors = st.sampled_from([MANAGER, HR])
days = st.integers(min_value=-5, max_value=70).map(lambda n: INCIDENT_DAY + timedelta(days=n))
texts = st.sampled_from(["", "   ", "Short.", "x" * 5001, "Ærlig snak om Facebook-gruppen."])

commands = st.one_of(
    st.tuples(st.just("assess"), actors, st.booleans(), st.sampled_from(list(Severity)), texts),
    st.tuples(st.just("hearing"), actors, days, st.one_of(st.none(), days)),
    st.tuples(st.just("statement"), actors, days, texts),
    st.tuples(st.just("talk"), actors, days, st.lists(st.sampled_from(["Mette", ""]), max_size=3), texts),
    st.tuples(st.just("warning"), actors, days, texts, st.one_of(st.none(), days)),
    st.tuples(st.just("escalate"), actors, texts),
    st.tuples(st.just("note"), actors, texts),
    st.tuples(st.just("close"), actors, st.sampled_from(list(Outcome)), texts),
    st.tuples(st.just("reopen"), actors, texts),
    st.tuples(st.just("erase"), actors, texts),
)


def apply(service, cid, command) -> None:
    name, user, *args = command
    if name == "assess":
        service.assess(user, cid, work_environment_issue=args[0], severity=args[1], notes=args[2])
    elif name == "hearing":
        service.open_hearing(user, cid, sent_on=args[0], deadline=args[1])
    elif name == "statement":
        service.record_statement(user, cid, received_on=args[0], summary=args[1])
    elif name == "talk":
        service.hold_talk(user, cid, held_on=args[0], participants=args[1], union_rep_present=True,
                          summary=args[2])
    elif name == "warning":
        service.issue_warning(user, cid, issued_on=args[0], text=args[1], valid_until=args[2])
    elif name == "escalate":
        service.escalate(user, cid, reason=args[0])
    elif name == "note":
        service.add_note(user, cid, text=args[0])
    elif name == "close":
        service.close_case(user, cid, outcome=args[0], reason=args[1])
    elif name == "reopen":
        service.reopen(user, cid, reason=args[0])
    else:
        service.erase_personal_data(user, cid, reason=args[0])


def test_random_command_sequences_keep_the_trail_and_the_state_in_step(make_service):
    live = make_service(snapshot_interval=3)
    fresh = make_service(snapshot_interval=3, aggregate_cache_size=0)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(commands, min_size=1, max_size=14))
    def scenario(sequence):
        cid = case_id(report(live))
        for command in sequence:
            before = live.get_case(HR, cid).version
            try:
                apply(live, cid, command)
            except (DomainError, AccessDenied):
                assert live.get_case(HR, cid).version == before, f"{command[0]} refused but stored"
            else:
                assert live.get_case(HR, cid).version == before + 1

        events = list(fresh.events.get(cid))
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
        replayed = None
        row = None
        for event in events:
            replayed = event.mutate(replayed)
            row = evolve(row, event)
        assert isinstance(replayed, Case)
        today = live.today()
        assert fresh.get_case(HR, cid) == live.get_case(HR, cid) == case_view(replayed, today)
        [listed] = [r for r in live.list_cases(HR, per_page=200).items if r.id == str(cid)]
        assert listed == row.summary(today)
        assert listed.status == replayed.status.value

    scenario()
