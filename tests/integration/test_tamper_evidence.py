"""Whatever is done to the stored events behind the service's back, verify names where."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from adapters.cli import main
from domain.values import Status
from tests.scenarios import HR, MANAGER, case_in


@pytest.fixture
def trail(service):
    cases = [case_in(service, Status.WARNING_ISSUED), case_in(service, Status.CLOSED),
             case_in(service, Status.ASSESSED)]
    service.add_note(MANAGER, cases[0], text="Last word.")
    return service, cases


def stored(service):
    """A session on the event table, and its record class, for doing what an intruder would."""
    return service.factory.datastore.transaction(commit=True), service.recorder.events_record_cls


def record_at(session, record, case_id, version):
    return session.query(record).filter(record.originator_id == case_id,
                                        record.originator_version == version).one()


def test_an_untouched_trail_verifies(trail):
    service, _ = trail
    result = service.verify_integrity(HR)
    assert result.ok and result.checked == service.recorder.max_notification_id()


def test_one_changed_byte_is_found_at_its_case_and_version(trail):
    service, cases = trail
    transaction, record = stored(service)
    with transaction as session:
        row = record_at(session, record, cases[1], 2)
        state = bytearray(row.state)
        state[len(state) // 2] ^= 0x01
        row.state = bytes(state)
    broken = service.verify_integrity(HR).broken
    assert (broken.case_id, broken.version) == (str(cases[1]), 2)
    assert "altered" in broken.problem


def test_a_deleted_event_is_found(trail):
    service, cases = trail
    transaction, record = stored(service)
    with transaction as session:
        session.delete(record_at(session, record, cases[0], 3))
    broken = service.verify_integrity(HR).broken
    assert (broken.case_id, broken.version) == (str(cases[0]), 3)
    assert "deleted" in broken.problem


def test_two_swapped_events_are_found(trail):
    service, cases = trail
    transaction, record = stored(service)
    with transaction as session:
        first, second = record_at(session, record, cases[2], 1), record_at(session, record, cases[2], 2)
        first.state, second.state = second.state, first.state
        first.topic, second.topic = second.topic, first.topic
    broken = service.verify_integrity(HR).broken
    assert (broken.case_id, broken.version) == (str(cases[2]), 1)


def test_a_forged_event_is_found(trail):
    service, cases = trail
    transaction, record = stored(service)
    with transaction as session:
        genuine = record_at(session, record, cases[2], 2)
        session.add(record(originator_id=cases[2], originator_version=3, topic=genuine.topic, state=genuine.state))
    broken = service.verify_integrity(HR).broken
    assert (broken.case_id, broken.version) == (str(cases[2]), 3)
    assert "not in the chain" in broken.problem


def test_erasure_breaks_nothing(trail):
    service, cases = trail
    service.erase_personal_data(HR, cases[1], reason="Retention over.")
    assert service.verify_integrity(HR).ok


def test_only_hr_and_the_operator_check_integrity(trail):
    from service.errors import AccessDenied

    service, _ = trail
    with pytest.raises(AccessDenied):
        service.verify_integrity(MANAGER)
    assert service.verify_integrity(None).ok


def test_the_command_exits_non_zero_and_names_the_break(trail, database_url, monkeypatch):
    service, cases = trail
    monkeypatch.setenv("BREACHTRAIL_DATABASE_URL", database_url)
    runner = CliRunner()
    ok = runner.invoke(main, ["verify"])
    assert ok.exit_code == 0 and ok.output.splitlines()[-1].startswith("ok: ")
    transaction, record = stored(service)
    with transaction as session:
        session.delete(record_at(session, record, cases[1], 1))
    broken = runner.invoke(main, ["verify"])
    assert broken.exit_code == 1
    assert f"case {cases[1]} version 1" in broken.output
