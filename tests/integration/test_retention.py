"""Retention: closed cases past their period are archived first, then erased; nothing else is touched."""

from __future__ import annotations

import errno
import json
import os
from datetime import timedelta

import pytest

from adapters.archive.directory import DirectoryArchive
from domain.values import Outcome, Status
from service.records import CaseFile
from service.retention import SYSTEM_ACTOR, Archived, ArchiveError, RetentionPolicy, due_cases, sweep
from tests.scenarios import HR, MANAGER, MovableClock, case_id, case_in, report

POLICY = RetentionPolicy.default()  # dismissed=1y, the others 5y
A_YEAR_AND_A_DAY = timedelta(days=367)




@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def service(make_service, clock):
    return make_service(clock=clock)


def closed(service, outcome: Outcome):
    cid = case_id(report(service))
    service.close_case(MANAGER, cid, outcome=outcome, reason="Closed for the test.")
    return cid


def events(service) -> int:
    return service.recorder.max_notification_id() or 0


def files(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


class WatchingArchive(DirectoryArchive):
    """A directory archive that notes whether each case was still unerased when it was archived."""

    def __init__(self, directory, service):
        super().__init__(directory)
        self.service = service
        self.erased_when_archived: dict[str, bool] = {}

    def keep(self, case_file: CaseFile) -> Archived:
        stored = self.service.repository.get(case_file.case.id)
        self.erased_when_archived[case_file.case.id] = stored.personal_data_erased
        return super().keep(case_file)


def test_a_case_falls_due_when_its_outcomes_period_has_run_from_the_closure(service, clock):
    dismissed, resolved = closed(service, Outcome.DISMISSED), closed(service, Outcome.RESOLVED)
    case_in(service, Status.ASSESSED)  # open: never due

    clock.now += timedelta(days=300)
    assert due_cases(service, POLICY) == []
    clock.now += timedelta(days=67)
    assert [due.case_id for due in due_cases(service, POLICY)] == [dismissed]
    clock.now += timedelta(days=5 * 365)
    due = due_cases(service, POLICY)
    assert [d.case_id for d in due] == [dismissed, resolved]
    assert [(d.outcome, d.unit) for d in due] == [("dismissed", "tandplejen"), ("resolved", "tandplejen")]


def test_the_sweep_archives_then_erases_exactly_the_due_cases(service, clock, tmp_path):
    due_one = closed(service, Outcome.DISMISSED)
    not_yet = closed(service, Outcome.SANCTIONED)
    still_open = case_in(service, Status.ASSESSED)
    erased_by_hand = closed(service, Outcome.DISMISSED)
    service.erase_personal_data(HR, erased_by_hand, reason="Asked for by the employee.")
    clock.now += A_YEAR_AND_A_DAY
    version = service.get_case(HR, due_one).version
    archive = WatchingArchive(tmp_path / "archive", service)

    summary = sweep(service, due_cases(service, POLICY), archive, POLICY)

    assert (summary.due, summary.archived, summary.erased, summary.skipped) == (1, 1, 1, [])
    assert archive.erased_when_archived == {str(due_one): False}
    assert files(archive.directory) == [f"{due_one}-v{version}.json", f"{due_one}-v{version}.md"]
    kept = json.loads((archive.directory / f"{due_one}-v{version}.json").read_text())
    assert kept["case"]["employee"]["name"] == "Jane Doe" and kept["case"]["version"] == version
    assert kept["access_log"][-1]["user"] == {"id": SYSTEM_ACTOR.id, "role": "hr"}
    assert "Jane Doe" in (archive.directory / f"{due_one}-v{version}.md").read_text()
    erasure = service.history(HR, due_one)[-1]
    assert erasure.type == "PersonalDataErased" and erasure.actor == {"id": "system:retention-sweep", "role": "hr"}
    assert service.get_case(HR, due_one).employee is None and service.key_ring.is_destroyed(due_one)
    for untouched in (not_yet, still_open):
        assert not service.get_case(HR, untouched).personal_data_erased
        assert not service.key_ring.is_destroyed(untouched)
    assert service.verify_integrity().ok


def test_a_failed_archive_write_prevents_erasure_and_leaves_no_partial_file(service, clock, tmp_path, monkeypatch):
    cid = closed(service, Outcome.DISMISSED)
    clock.now += A_YEAR_AND_A_DAY
    archive = DirectoryArchive(tmp_path / "archive")
    before = events(service)

    def disk_full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    summary = sweep(service, due_cases(service, POLICY), archive, POLICY)

    assert (summary.due, summary.archived, summary.erased) == (1, 0, 0)
    assert summary.skipped[0][0] == str(cid) and "No space left on device" in summary.skipped[0][1]
    assert files(archive.directory) == []  # not even a temporary file
    assert events(service) == before and not service.key_ring.is_destroyed(cid)
    assert service.get_case(HR, cid).employee is not None


def test_an_archive_that_cannot_be_made_prevents_erasure(service, clock, tmp_path):
    cid = closed(service, Outcome.DISMISSED)
    clock.now += A_YEAR_AND_A_DAY
    (tmp_path / "a-file").write_text("not a directory")

    summary = sweep(service, due_cases(service, POLICY), DirectoryArchive(tmp_path / "a-file" / "archive"), POLICY)

    assert (summary.archived, summary.erased, len(summary.skipped)) == (0, 0, 1)
    assert "not archived, so not erased" in summary.skipped[0][1]
    assert not service.get_case(HR, cid).personal_data_erased


def test_running_the_sweep_again_is_harmless(service, clock, tmp_path):
    closed(service, Outcome.DISMISSED)
    clock.now += A_YEAR_AND_A_DAY
    archive = DirectoryArchive(tmp_path / "archive")
    sweep(service, due_cases(service, POLICY), archive, POLICY)
    contents = {name: (archive.directory / name).read_bytes() for name in files(archive.directory)}
    before = events(service)

    again = sweep(service, due_cases(service, POLICY), archive, POLICY)

    assert (again.due, again.archived, again.erased, again.skipped) == (0, 0, 0, [])
    assert {name: (archive.directory / name).read_bytes() for name in files(archive.directory)} == contents
    assert events(service) == before


def test_a_case_file_kept_before_a_crash_is_checked_and_kept_then_the_case_is_erased(service, clock, tmp_path):
    cid = closed(service, Outcome.DISMISSED)
    clock.now += A_YEAR_AND_A_DAY
    archive = DirectoryArchive(tmp_path / "archive")
    first = archive.keep(service.export_case(HR, cid))  # archived, then the sweep died before erasing
    path = archive.directory / first.location
    written = path.read_bytes(), path.stat().st_mtime_ns

    summary = sweep(service, due_cases(service, POLICY), archive, POLICY)

    assert (summary.archived, summary.erased, summary.skipped) == (1, 1, [])
    assert (path.read_bytes(), path.stat().st_mtime_ns) == written
    assert service.get_case(HR, cid).personal_data_erased


def test_a_different_file_in_the_way_is_never_overwritten_and_the_case_is_not_erased(service, clock, tmp_path):
    cid = closed(service, Outcome.DISMISSED)
    clock.now += A_YEAR_AND_A_DAY
    archive = DirectoryArchive(tmp_path / "archive")
    record, _ = archive.paths(str(cid), service.get_case(HR, cid).version)
    archive.directory.mkdir()
    record.write_text('{"something": "else"}')

    summary = sweep(service, due_cases(service, POLICY), archive, POLICY)

    assert (summary.archived, summary.erased) == (0, 0)
    assert "does not hold this case file" in summary.skipped[0][1]
    assert record.read_text() == '{"something": "else"}'
    assert not service.get_case(HR, cid).personal_data_erased


def test_an_erased_case_file_is_never_archived(service, tmp_path):
    cid = closed(service, Outcome.DISMISSED)
    service.erase_personal_data(HR, cid, reason="Asked for by the employee.")
    archive = DirectoryArchive(tmp_path / "archive")

    with pytest.raises(ArchiveError, match="erased already"):
        archive.keep(service.export_case(HR, cid))
    assert files(archive.directory) == []


def test_a_case_reopened_after_it_was_found_due_is_archived_but_not_erased(service, clock, tmp_path):
    cid = closed(service, Outcome.DISMISSED)
    clock.now += A_YEAR_AND_A_DAY
    due = due_cases(service, POLICY)
    service.reopen(HR, cid, reason="New facts came to light.")

    summary = sweep(service, due, DirectoryArchive(tmp_path / "archive"), POLICY)

    assert (summary.archived, summary.erased) == (0, 0)
    assert "changed since it was found due" in summary.skipped[0][1]
    assert not service.get_case(HR, cid).personal_data_erased
