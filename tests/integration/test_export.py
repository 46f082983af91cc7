"""The case file: complete, consistent with the case and its trail, for HR only, and erased with the case."""

from __future__ import annotations

import json
import uuid

import pytest

from adapters.archive.case_file_text import render_case_file
from adapters.archive.case_files import case_file_document, case_file_json
from domain.values import Status
from service.errors import AccessDenied, CaseNotFound
from service.records import CASE_FILE_FORMAT, CASE_FILE_FORMAT_VERSION
from tests.integration.test_erasure_at_rest import SECRETS, _leaks, build_case
from tests.scenarios import HR, MANAGER, OTHER_MANAGER, REP, case_in


def test_the_case_file_holds_the_case_its_whole_history_its_access_log_and_its_chain_links(service):
    cid = case_in(service, Status.WARNING_ISSUED)
    service.history(MANAGER, cid)

    case_file = service.export_case(HR, cid)

    assert case_file.case == service.get_case(HR, cid)
    assert case_file.history == service.history(HR, cid)
    assert [e.version for e in case_file.history] == list(range(1, case_file.case.version + 1))
    assert [e.read for e in case_file.access_log] == ["case", "history", "export"]
    assert case_file.access_log[-1].user == {"id": HR.id, "role": "hr"}
    assert case_file.export.format == CASE_FILE_FORMAT and case_file.export.format_version == CASE_FILE_FORMAT_VERSION
    assert case_file.export.exported_by == {"id": HR.id, "role": "hr"}
    assert case_file.export.exported_at == case_file.access_log[-1].at


def test_the_chain_links_are_the_ones_verification_checks(service):
    cid = case_in(service, Status.ASSESSED)
    case_in(service, Status.REPORTED)  # another case's events interleave in the log

    links = service.export_case(HR, cid).chain

    assert [link.version for link in links] == [1, 2]
    assert {link.case_id for link in links} == {str(cid)}
    every_link = service.chain.store.links(0, 100)
    assert [link for link in every_link if link.case_id == str(cid)] == links
    assert service.verify_integrity().ok


def test_only_hr_exports_and_an_unknown_case_is_not_found(service):
    cid = case_in(service, Status.REPORTED)
    before = service.access_log.entries(str(cid))

    for user in (MANAGER, OTHER_MANAGER, REP):
        with pytest.raises(AccessDenied):
            service.export_case(user, cid)
    with pytest.raises(CaseNotFound):
        service.export_case(HR, uuid.uuid4())
    assert service.access_log.entries(str(cid)) == before


def test_after_erasure_the_case_file_shows_no_personal_data_but_every_fact(service):
    cid = build_case(service)
    before = service.export_case(HR, cid)
    assert set(_leaks(case_file_json(before))) == set(SECRETS)

    service.erase_personal_data(HR, cid, reason="Retention period over.")
    after = service.export_case(HR, cid)

    document = case_file_json(after)
    assert _leaks(document) == []
    assert _leaks(render_case_file(case_file_document(after))) == []
    assert after.case.personal_data_erased and after.case.employee is None
    assert [(e.type, e.actor, e.recorded_at) for e in after.history[:-1]] == [
        (e.type, e.actor, e.recorded_at) for e in before.history
    ]
    assert after.history[-1].type == "PersonalDataErased"
    assert [link.version for link in after.chain] == list(range(1, after.case.version + 1))


def test_the_json_is_what_the_api_serves_and_the_reading_copy_shows_it(service):
    cid = case_in(service, Status.WARNING_ISSUED)
    case_file = service.export_case(HR, cid)

    document = json.loads(case_file_json(case_file))
    text = render_case_file(document)

    assert list(document) == ["export", "case", "history", "access_log", "chain"]
    assert document["case"]["id"] == str(cid) and document["case"]["status"] == "warning_issued"
    assert [entry["type"] for entry in document["history"]] == [
        "IncidentReported", "Assessed", "TalkHeld", "StatementRecorded", "WarningIssued"]
    assert f"# Case file {cid}" in text
    for needle in ("Jane Doe", "WarningIssued", "Written warning under section 7", "hanne.hr (hr)",
                   "4.1 ", document["chain"][-1]["link"]):
        assert needle in text
