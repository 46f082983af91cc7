"""The service on a real database: who may do what, restarts, snapshots, point-in-time reads."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from domain.case import Case
from domain.errors import InvalidCaseData, RoleNotPermitted
from domain.values import Channel, Outcome, Severity, Status
from domain.working_days import add_working_days
from service.errors import AccessDenied, CaseNotFound, VersionMismatch, VersionNotFound
from tests.scenarios import HR, INCIDENT_DAY, MANAGER, OTHER_MANAGER, REP, TODAY, case_id, case_in, report


def stored_event_count(service) -> int:
    return service.recorder.max_notification_id() or 0


def test_a_manager_reports_in_their_own_unit_and_the_report_names_them(service):
    view = report(service, MANAGER)
    trail = service.history(HR, case_id(view))
    assert [e.type for e in trail] == ["IncidentReported"]
    assert trail[0].actor == {"id": MANAGER.id, "role": "manager"}
    assert trail[0].data["employee_ref"] == view.employee["ref"]
    assert view.status == "reported" and view.reported_by == MANAGER.id


def test_a_manager_cannot_report_in_another_unit_and_nothing_is_stored(service):
    with pytest.raises(AccessDenied):
        report(service, MANAGER, unit="skoler")
    assert stored_event_count(service) == 0


def test_a_rep_can_neither_report_nor_read_cases(service):
    cid = case_in(service, Status.REPORTED)
    before = stored_event_count(service)
    with pytest.raises(AccessDenied):
        report(service, REP)
    with pytest.raises(AccessDenied):
        service.get_case(REP, cid)
    with pytest.raises(AccessDenied):
        service.history(REP, cid)
    with pytest.raises(AccessDenied):
        service.add_note(REP, cid, text="Hello")
    assert stored_event_count(service) == before


def test_a_manager_cannot_see_another_units_case_exactly_as_if_it_did_not_exist(service):
    cid = case_in(service, Status.ASSESSED)
    missing = uuid.uuid4()
    for target in (cid, missing):
        with pytest.raises(CaseNotFound) as raised:
            service.get_case(OTHER_MANAGER, target)
        assert str(raised.value) == f"case {target} not found"
        with pytest.raises(CaseNotFound):
            service.history(OTHER_MANAGER, target)
        with pytest.raises(CaseNotFound):
            service.add_note(OTHER_MANAGER, target, text="Snooping")
    assert service.get_case(HR, cid).version == 2


def test_only_hr_escalates_and_a_manager_is_refused_before_the_case_is_looked_at(service):
    cid = case_in(service, Status.WARNING_ISSUED)
    with pytest.raises(AccessDenied):
        service.escalate(MANAGER, cid, reason="Please")
    with pytest.raises(AccessDenied):
        service.escalate(OTHER_MANAGER, uuid.uuid4(), reason="Please")
    assert service.escalate(HR, cid, reason="Repeated").status == "escalated"


def test_the_domain_itself_refuses_a_manager_the_hr_steps(service):
    case = service.repository.get(case_in(service, Status.CLOSED))
    with pytest.raises(RoleNotPermitted):
        case.reopen(actor=MANAGER.actor, reason="x")


def test_installations_listing_their_units_refuse_others(make_service):
    service = make_service(known_units=frozenset({"tandplejen", "skoler"}))
    with pytest.raises(InvalidCaseData) as raised:
        report(service, HR, unit="dagtilbud-nord")
    assert "unit" in raised.value.errors
    assert report(service, HR, unit="skoler").unit == "skoler"


def test_a_hearing_without_a_deadline_gets_ten_danish_working_days(service):
    cid = case_in(service, Status.REPORTED)
    sent_on = INCIDENT_DAY + timedelta(days=3)
    view = service.open_hearing(MANAGER, cid, sent_on=sent_on)
    assert view.hearing["deadline"] == add_working_days(sent_on, 10)
    assert view.hearing["sent_on"] == sent_on


def test_a_case_reads_back_identically_after_a_restart(make_service):
    first = make_service()
    cid = case_in(first, Status.ESCALATED)
    first.add_note(HR, cid, text="Union informed.")
    seen_before, trail_before = first.get_case(HR, cid), first.history(HR, cid)
    restarted = make_service(aggregate_cache_size=0)
    assert restarted.get_case(HR, cid) == seen_before
    assert restarted.history(HR, cid) == trail_before


def test_snapshots_and_later_events_give_exactly_the_state_of_a_full_replay(make_service):
    writer = make_service(snapshot_interval=4)
    cid = case_in(writer, Status.WARNING_ISSUED)
    for n in range(13):
        writer.add_note(MANAGER, cid, text=f"Note {n}")
    assert [s.originator_version for s in writer.snapshots.get(cid)] == [4, 8, 12, 16]
    reader = make_service(snapshot_interval=4, aggregate_cache_size=0)
    from_snapshot = reader.repository.get(cid)
    replayed = None
    for event in reader.events.get(cid):
        replayed = event.mutate(replayed)
    assert isinstance(replayed, Case)
    assert _state(from_snapshot) == _state(replayed)
    assert from_snapshot.version == 18


def test_as_of_version_n_is_the_state_after_n_events(make_service):
    service = make_service(snapshot_interval=3)
    cid = case_in(service, Status.ESCALATED)
    service.close_case(HR, cid, outcome=Outcome.SANCTIONED, reason="Dismissal prepared.")
    events = list(service.events.get(cid))
    replayed = None
    for n, event in enumerate(events, start=1):
        replayed = event.mutate(replayed)
        assert service.get_case(HR, cid, version=n) == _view(service, replayed)
    with pytest.raises(VersionNotFound):
        service.get_case(HR, cid, version=len(events) + 1)
    with pytest.raises(VersionNotFound):
        service.get_case(HR, cid, version=0)


def test_a_step_naming_a_stale_version_is_refused_and_stores_nothing(service):
    cid = case_in(service, Status.ASSESSED)
    service.add_note(MANAGER, cid, text="First", expected_version=2)
    with pytest.raises(VersionMismatch) as raised:
        service.add_note(MANAGER, cid, text="Second", expected_version=2)
    assert raised.value.current == 3
    assert [e.data.get("text") for e in service.history(HR, cid)][-1] == "First"


def test_erasure_removes_personal_data_from_the_case_its_past_versions_and_its_history(service):
    view = report(service, MANAGER, employee_name="Karin Privat", description="Karin posted the rota.")
    cid = case_id(view)
    service.assess(MANAGER, cid, work_environment_issue=True, severity=Severity.LOW, notes="Karin upset.")
    service.close_case(MANAGER, cid, outcome=Outcome.RESOLVED, reason="Karin apologised.")
    trail_before = service.history(HR, cid)
    erased = service.erase_personal_data(HR, cid, reason="Retention over.")
    assert erased.employee is None and erased.description is None and erased.personal_data_erased
    assert erased.closure["outcome"] == "resolved" and erased.closure["reason"] is None
    trail = service.history(HR, cid)
    assert "Karin" not in repr(trail) + repr(erased) + repr(service.get_case(HR, cid, version=1))
    assert [(e.version, e.type, e.actor, e.recorded_at) for e in trail[:-1]] == [
        (e.version, e.type, e.actor, e.recorded_at) for e in trail_before
    ]
    assert trail[-1].type == "PersonalDataErased" and trail[-1].actor == {"id": HR.id, "role": "hr"}
    assert trail[0].data["occurred_on"] == view.occurred_on and trail[0].data["unit"] == "tandplejen"


def test_a_report_dated_in_the_future_is_refused(service):
    with pytest.raises(InvalidCaseData) as raised:
        report(service, occurred_on=TODAY + timedelta(days=2))  # clear of any midnight during the run
    assert list(raised.value.errors) == ["occurred_on"]
    assert stored_event_count(service) == 0


def test_a_report_keeps_what_was_reported(service):
    view = report(service, HR, unit="skoler", rules=["6.2", "3.1"], channel=Channel.MESSENGER,
                  employee_name=None)
    again = service.get_case(HR, case_id(view))
    assert again.rules == ["6.2", "3.1"] and again.channel == "messenger"
    assert again.employee == {"ref": view.employee["ref"], "name": None}
    assert again.unit == "skoler"


def _state(case: Case) -> dict:
    return {k: v for k, v in vars(case).items() if k != "_pending_events"}


def _view(service, case):
    from service.views import case_view

    return case_view(case, service.today())


def test_a_step_whose_chain_link_cannot_be_written_is_not_stored_nor_listed(service, monkeypatch):
    cid = case_in(service, Status.ASSESSED)
    before = stored_event_count(service)

    def broken_chain(records):
        raise RuntimeError("the chain's table is gone")

    monkeypatch.setattr(service.chain, "extend", broken_chain)
    with pytest.raises(RuntimeError):
        service.add_note(MANAGER, cid, text="Never stored.")
    monkeypatch.undo()
    assert stored_event_count(service) == before
    [row] = [c for c in service.list_cases(HR).items if c.id == str(cid)]
    assert row.version == service.get_case(HR, cid).version == before


def test_a_snapshot_that_cannot_be_written_does_not_fail_the_step(make_service, monkeypatch):
    service = make_service(snapshot_interval=2)
    cid = case_in(service, Status.REPORTED)

    def broken_snapshot(*args, **kwargs):
        raise RuntimeError("the snapshot table is gone")

    monkeypatch.setattr(service, "take_snapshot", broken_snapshot)
    view = service.add_note(MANAGER, cid, text="Stored all the same.")
    assert view.version == 2 and stored_event_count(service) == 2
    assert list(service.snapshots.get(cid)) == []


def test_another_units_case_is_refused_from_the_list_index_before_any_case_is_loaded(service, monkeypatch):
    """So it costs what an unknown id costs: the timing does not say the case exists."""
    import uuid

    import pytest

    from service.errors import CaseNotFound
    from tests.scenarios import OTHER_MANAGER, case_id, report

    cid = case_id(report(service))
    loads = []
    original = service.repository.get
    monkeypatch.setattr(service.repository, "get", lambda *a, **k: loads.append(a) or original(*a, **k))
    with pytest.raises(CaseNotFound):
        service.get_case(OTHER_MANAGER, cid)
    with pytest.raises(CaseNotFound):
        service.history(OTHER_MANAGER, cid)
    assert loads == []
    # An id the list does not know is looked for among the events (one empty read), and not found.
    with pytest.raises(CaseNotFound):
        service.get_case(OTHER_MANAGER, uuid.uuid4())
