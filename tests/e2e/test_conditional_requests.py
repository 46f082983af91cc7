"""Versions over HTTP: ETag out, If-Match in, Location for a new case, a case as it stood."""

from __future__ import annotations

import pytest

from domain.values import Status
from service.cases import CaseService
from tests.e2e.http import NEW_CASE, Api, assert_problem, stored_events, trail
from tests.scenarios import case_in

NOTE = {"text": "Spoke to the team."}


def test_a_new_case_answers_with_its_location_and_version_1(api: Api) -> None:
    response = api.post("/api/v1/cases", NEW_CASE, caller="manager")

    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    location = response.headers["Location"]
    assert location == f"/api/v1/cases/{response.get_json()['id']}"
    fetched = api.get(location, caller="manager")
    assert fetched.status_code == 200 and fetched.get_json() == response.get_json()
    assert fetched.headers["ETag"] == '"1"'


def test_a_step_with_the_current_version_is_taken_and_answers_the_next(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.ASSESSED)
    etag = api.get(f"/api/v1/cases/{cid}").headers["ETag"]
    assert etag == '"2"'

    response = api.post(f"/api/v1/cases/{cid}/notes", NOTE, headers={"If-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] == '"3"' and response.get_json()["version"] == 3
    assert api.get(f"/api/v1/cases/{cid}").headers["ETag"] == '"3"'


def test_a_step_with_a_stale_version_is_refused_with_the_current_one(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.ASSESSED)
    before = trail(service, cid)

    response = api.post(f"/api/v1/cases/{cid}/notes", NOTE, headers={"If-Match": '"1"'})

    assert_problem(response, 412, type="urn:breachtrail:problem:version-mismatch", current_version=2)
    assert trail(service, cid) == before


def test_the_second_of_two_steps_sent_with_the_same_version_is_refused(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.REPORTED)

    first = api.post(f"/api/v1/cases/{cid}/notes", NOTE, headers={"If-Match": '"1"'}, caller="manager")
    second = api.post(f"/api/v1/cases/{cid}/closure", {"outcome": "dismissed", "reason": "No breach."},
                      headers={"If-Match": '"1"'})

    assert first.status_code == 200
    assert_problem(second, 412, current_version=2)
    assert [entry.type for entry in trail(service, cid)] == ["IncidentReported", "NoteAdded"]


@pytest.mark.parametrize(
    "if_match",
    ['1', 'W/"1"', '"one"', '"1", "2"', '""', '"01"', '"0"', '"1'],
    ids=["unquoted", "weak", "not a number", "two tags", "empty tag", "leading zero", "zero", "unterminated"],
)
def test_an_if_match_that_names_no_version_is_a_failed_precondition(
    api: Api, service: CaseService, if_match: str
) -> None:
    cid = case_in(service, Status.REPORTED)

    response = api.post(f"/api/v1/cases/{cid}/notes", NOTE, headers={"If-Match": if_match})

    assert_problem(response, 412)
    assert len(trail(service, cid)) == 1


def test_if_match_star_takes_the_step_whatever_the_version(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.ASSESSED)

    response = api.post(f"/api/v1/cases/{cid}/notes", NOTE, headers={"If-Match": "*"})

    assert response.status_code == 200 and response.headers["ETag"] == '"3"'


def test_a_stale_if_match_on_a_case_outside_the_managers_units_is_still_not_found(
    api: Api, service: CaseService
) -> None:
    cid = case_in(service, Status.ASSESSED)

    response = api.post(f"/api/v1/cases/{cid}/notes", NOTE, headers={"If-Match": '"1"'}, caller="other_manager")

    assert_problem(response, 404)


def test_a_case_can_be_read_as_it_stood_at_an_earlier_version(api: Api, service: CaseService) -> None:
    cid = case_in(service, Status.TALK_HELD)
    events_before = stored_events(service)

    then = api.get(f"/api/v1/cases/{cid}?version=1", caller="manager")
    now = api.get(f"/api/v1/cases/{cid}?version=3", caller="manager")

    assert then.status_code == 200 and then.headers["ETag"] == '"1"'
    assert then.get_json()["status"] == "reported" and then.get_json()["assessment"] is None
    assert now.get_json() == api.get(f"/api/v1/cases/{cid}").get_json()
    assert stored_events(service) == events_before
