"""The case page's read: the case and one stretch of its history, newest first, logged as two reads.

A case with a long history is shown a page at a time; each stretch must be exactly the events a
full history holds there, scope and erasure must hold as for every other read, and the page's
read must leave the same access-log entries as reading the case and its history one by one.
"""

from __future__ import annotations

import pytest

from domain.values import Status
from service.errors import AccessDenied, CaseNotFound
from tests.scenarios import HR, MANAGER, OTHER_MANAGER, REP, case_in

NOTES = 12


def _case_with_notes(service):  # type: ignore[no-untyped-def]
    cid = case_in(service, Status.REPORTED)
    for number in range(1, NOTES + 1):
        service.add_note(MANAGER, cid, text=f"Notat {number}")
    return cid


def test_stretches_of_the_history_cover_it_newest_first_without_gaps_or_repeats(service):
    cid = _case_with_notes(service)
    full = service.history(HR, cid)
    stretches = []
    for skip in range(0, len(full) + 5, 5):
        view, entries = service.case_with_history(MANAGER, cid, newest=5, skip=skip)
        assert view.version == len(full) == NOTES + 1
        stretches.append(entries)
    assert [len(s) for s in stretches] == [5, 5, 3, 0]
    assert [e for s in stretches for e in s] == full[::-1]
    assert stretches[0][0].data == {"text": f"Notat {NOTES}"}


def test_the_page_read_is_logged_as_the_case_and_its_history_and_refused_reads_leave_nothing(service):
    cid = _case_with_notes(service)
    before = service.access_log.entries(str(cid))

    service.case_with_history(MANAGER, cid, newest=25)
    with pytest.raises(CaseNotFound):
        service.case_with_history(OTHER_MANAGER, cid, newest=25)
    with pytest.raises(AccessDenied):
        service.case_with_history(REP, cid, newest=25)

    added = service.access_log.entries(str(cid))[len(before):]
    assert [(e.read, e.user_id, e.version) for e in added] == [("case", MANAGER.id, None),
                                                               ("history", MANAGER.id, None)]


def test_an_erased_case_shows_its_history_without_personal_data(service):
    cid = case_in(service, Status.CLOSED)
    service.erase_personal_data(HR, cid, reason="Opbevaringsfristen er udløbet.")
    _, entries = service.case_with_history(HR, cid, newest=50)
    reported = entries[-1]
    assert reported.type == "IncidentReported" and reported.version == 1
    assert reported.data["employee_name"] is None and reported.data["description"] is None
    assert entries == service.history(HR, cid)[::-1]


def test_a_step_taken_by_another_server_shows_at_once_though_this_one_holds_the_case(make_service):
    here, there = make_service(), make_service()
    cid = case_in(here, Status.REPORTED)
    here.case_with_history(MANAGER, cid, newest=25)  # this server now holds the case in memory
    there.add_note(MANAGER, cid, text="Skrevet på den anden server")

    view, entries = here.case_with_history(MANAGER, cid, newest=25)
    assert view.version == entries[0].version == 2
    assert entries[0].data == {"text": "Skrevet på den anden server"}


def test_the_page_s_view_leaves_the_notes_to_the_history(service):
    cid = case_in(service, Status.REPORTED)
    for n in range(3):
        service.add_note(MANAGER, cid, text=f"note {n}")
    view, entries = service.case_with_history(MANAGER, cid, newest=25)
    assert view.notes == [] and len(service.get_case(MANAGER, cid).notes) == 3
    assert [e.data["text"] for e in entries if e.type == "NoteAdded"] == ["note 2", "note 1", "note 0"]
