"""How many SQL statements each command costs, on each database: counted, so they cannot creep back.

docs/PERFORMANCE.md lists each statement and says what stands between these numbers and fewer.
The counts are of a steady state: one process writing (so its memory of the chain's head and of
the case list rows and cases is current), a case key epoch in use, a unit with no staff list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.values import Outcome, Severity, Status
from service.cases import CaseService
from tests.scenarios import HR, INCIDENT_DAY, MANAGER, case_id, report

# (SQLite, PostgreSQL): PostgreSQL adds the library's LOCK TABLE before each event insert.
EXPECTED = {
    "report": (2, 3),
    "assessment": (3, 4),
    "hearing": (3, 4),
    "statement": (3, 4),
    "talk": (3, 4),
    "warning": (4, 5),
    "escalation": (3, 4),
    "note": (3, 4),
    "closure": (3, 4),
    "reopening": (3, 4),
    "closure again": (3, 4),
    # 5 / 6 in its transaction, then a new key epoch (docs/PERFORMANCE.md lists each statement).
    "erasure": (16, 15),
    "get_case": (2, 2),
}


@contextmanager
def counted(service: CaseService) -> Iterator[list[str]]:
    engine = service.factory.datastore.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def commands(cid: Callable[[], UUID]) -> list[tuple[str, Callable[[CaseService], Any]]]:
    day = INCIDENT_DAY
    return [
        ("assessment", lambda s: s.assess(MANAGER, cid(), work_environment_issue=True,
                                          severity=Severity.MEDIUM, notes="Colleagues felt exposed.")),
        ("hearing", lambda s: s.open_hearing(MANAGER, cid(), sent_on=day + timedelta(days=5))),
        ("statement", lambda s: s.record_statement(MANAGER, cid(), received_on=day + timedelta(days=8),
                                                   summary="I did not mean it.")),
        ("talk", lambda s: s.hold_talk(MANAGER, cid(), held_on=day + timedelta(days=10),
                                       participants=["Mette Manager", "Jane Doe"], union_rep_present=True,
                                       summary="Went through section 4.3.")),
        ("warning", lambda s: s.issue_warning(MANAGER, cid(), issued_on=day + timedelta(days=20),
                                              text="Written warning.", valid_until=None)),
        ("escalation", lambda s: s.escalate(HR, cid(), reason="Repeated after the warning.")),
        ("note", lambda s: s.add_note(MANAGER, cid(), text="Followed up.")),
        ("closure", lambda s: s.close_case(MANAGER, cid(), outcome=Outcome.SANCTIONED, reason="Warned.")),
        ("reopening", lambda s: s.reopen(HR, cid(), reason="New facts came to light.")),
        ("closure again", lambda s: s.close_case(MANAGER, cid(), outcome=Outcome.SANCTIONED, reason="Settled.")),
        ("erasure", lambda s: s.erase_personal_data(HR, cid(), reason="Retention period over.")),
        ("get_case", lambda s: s.get_case(MANAGER, cid())),
    ]


def test_each_command_costs_the_statements_it_is_allowed(service: CaseService, backend: str) -> None:
    column = 0 if backend == "sqlite" else 1
    report(service)  # the first write of a process reads the chain's head and the epoch once
    measured: dict[str, list[str]] = {}
    with counted(service) as statements:
        view = report(service)
    measured["report"] = list(statements)
    ids = [case_id(view)]
    for name, run in commands(lambda: ids[0]):
        with counted(service) as statements:
            run(service)
        measured[name] = list(statements)
    counts = {name: len(found) for name, found in measured.items()}
    assert counts == {name: pair[column] for name, pair in EXPECTED.items()}, "\n".join(
        f"{name}: {len(found)}\n  " + "\n  ".join(s[:120] for s in found) for name, found in measured.items()
    )
    # What was written is all there: the case closed, its list row at its version, the chain whole.
    case = service.get_case(HR, ids[0])
    assert case.status == Status.CLOSED.value and case.version == 12 and case.personal_data_erased
    row = service.case_list.rows([str(ids[0])])[str(ids[0])]  # type: ignore[union-attr]
    assert (row.version, row.status, row.rules, row.employee_name) == (12, "closed", ("4.1", "6.1"), None)
    assert service.chain is not None and service.chain.verify().ok


def test_a_second_process_writing_in_between_costs_a_read_and_keeps_the_chain(
    make_service: Callable[..., CaseService],
) -> None:
    first, second = make_service(), make_service()
    cid = case_id(report(first))
    first.add_note(MANAGER, cid, text="Remembered by the first process.")
    second.add_note(MANAGER, cid, text="Written by another process.")
    with counted(first) as statements:
        first.add_note(MANAGER, cid, text="The first process again.")
    # Its memory of the row and the chain's head is stale: both are read, and nothing is lost.
    assert any(s.startswith("SELECT case_summaries.id") for s in statements)
    assert any(s.startswith("SELECT event_chain.") for s in statements)
    row = first.case_list.rows([str(cid)])[str(cid)]  # type: ignore[union-attr]
    assert row.version == 4
    assert [n["text"] for n in first.get_case(HR, cid).notes] == [
        "Remembered by the first process.", "Written by another process.", "The first process again."]
    assert first.chain is not None and first.chain.verify().ok


def test_a_rolled_back_write_is_not_remembered(service: CaseService, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = case_id(report(service))
    service.add_note(MANAGER, cid, text="Stored.")
    assert service.chain is not None

    def power_cut(records: Any) -> None:
        raise RuntimeError("power cut")

    real_append_after = service.chain.store.append_after  # type: ignore[attr-defined]

    def then_fail(links: Any, previous: int) -> bool:
        real_append_after(links, previous)
        raise RuntimeError("power cut")

    monkeypatch.setattr(service.chain.store, "append_after", then_fail)
    with pytest.raises(RuntimeError):
        service.add_note(MANAGER, cid, text="Never stored.")
    monkeypatch.undo()
    view = service.add_note(MANAGER, cid, text="Stored after the failure.")
    assert [n["text"] for n in view.notes] == ["Stored.", "Stored after the failure."]
    row = service.case_list.rows([str(cid)])[str(cid)]  # type: ignore[union-attr]
    assert row.version == view.version == 3
    assert service.chain.verify().ok


def test_a_list_behind_the_events_costs_a_retry_not_a_lost_step(make_service: Callable[..., CaseService]) -> None:
    # The list says the cached case is current, but a writer that does not project (a separate
    # projection process) stored a later event: the step is refused by the store, then retried
    # on the case read in full, and neither note is lost.
    first = make_service()
    not_projecting = make_service(inline_projections=False)
    cid = case_id(report(first))
    first.add_note(MANAGER, cid, text="Cached here.")
    not_projecting.add_note(MANAGER, cid, text="Stored without its list row.")
    assert first.case_list is not None and first.case_list.rows([str(cid)])[str(cid)].version == 2
    view = first.add_note(MANAGER, cid, text="After both.")
    assert view.version == 4
    assert [n["text"] for n in first.get_case(HR, cid).notes] == [
        "Cached here.", "Stored without its list row.", "After both."]
    assert first.chain is not None and first.chain.verify().ok


def test_a_key_epoch_begun_by_another_process_costs_a_read_and_the_key_is_wrapped_under_it(
    make_service: Callable[..., CaseService],
) -> None:
    # The first process wraps new keys under the epoch it last saw; an erasure elsewhere begins a
    # new one and destroys the old one's key file. The batch refuses the stale key, which is then
    # written under the new epoch in the same transaction: the case reads everywhere, nothing lost.
    first, second = make_service(), make_service()
    report(first)
    erased = case_id(report(second))
    second.close_case(MANAGER, erased, outcome=Outcome.DISMISSED, reason="Not a breach.")
    second.erase_personal_data(HR, erased, reason="Retention period over.")
    with counted(first) as statements:
        view = report(first, employee_name="Kept Name")
    # The batch went first and refused the key; then the epoch is read and the key written.
    batch = next(i for i, s in enumerate(statements) if s.startswith(("WITH", "INSERT INTO breachtrail_write_batch")))
    epoch = next(i for i, s in enumerate(statements) if s.startswith("SELECT key_epochs.id"))
    assert batch < epoch and statements[epoch + 1].startswith("INSERT INTO case_keys")
    third = make_service()
    assert third.get_case(HR, case_id(view)).employee["name"] == "Kept Name"  # type: ignore[index]
    assert first.key_ring.current_epoch() == second.key_ring.current_epoch()  # type: ignore[attr-defined]
    with counted(first) as statements:
        report(first)  # the new epoch is the guess now: back to the batch
    assert not any(s.startswith("INSERT INTO case_keys") for s in statements)
    assert first.chain is not None and first.chain.verify().ok
