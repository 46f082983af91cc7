"""A manager takes a case from report to closure in the browser application, in Danish."""

from __future__ import annotations

from tests.web.conftest import days_ago, report, step


def test_a_manager_reports_a_case_and_sees_it_in_her_list(browser):
    mette = browser("mette")
    case_id = report(mette)
    page = mette.get(f"/sager/{case_id}")
    assert page.status_code == 200
    assert "Hændelsen er indberettet, og sagen er oprettet." in page.text
    assert "Deling fra arbejdspladsen kun med ledelsens godkendelse" in page.text
    assert "indberettet" in page.text and "Jane Doe" in page.text
    listing = mette.get("/sager")
    assert case_id[:8] in listing.text and "1 sag" in listing.text
    assert listing.headers["Cache-Control"] == "no-store"


def test_a_report_with_mistakes_shows_every_field_to_fix_and_stores_nothing(browser, web_app):
    mette = browser("mette")
    answer = mette.post("/sager/ny", {"unit": "tandplejen", "occurred_on": days_ago(2), "channel": "sms",
                                       "employee_ref": "", "description": "", "rules": []})
    assert answer.status_code == 422
    assert "Der er problemer" in answer.text
    for field in ("employee_ref", "rules", "description"):
        assert f'href="#{field}"' in answer.text and f'id="{field}-error"' in answer.text
    assert "Vælg mindst én regel fra retningslinjen" in answer.text
    assert web_app.extensions["breachtrail.cases"].list_cases(_hr(), page=1).total == 0


def test_a_future_date_is_refused_in_danish(browser):
    answer = browser("mette").post("/sager/ny", {"unit": "tandplejen", "occurred_on": "2999-01-01",
                                                  "rules": ["4.3"], "channel": "sms", "employee_ref": "E-1",
                                                  "description": "x"})
    assert answer.status_code == 422 and "Datoen må ikke ligge i fremtiden" in answer.text


def test_from_report_to_warning_the_warning_waits_for_the_employee_to_be_heard(browser):
    mette = browser("mette")
    case_id = report(mette)
    assessment = {"work_environment_issue": "yes", "severity": "medium"}
    assert step(mette, case_id, "assessment", assessment).status_code == 302
    talk = {"held_on": days_ago(14), "participants": "Mette\nJane Doe", "union_rep_present": "yes",
            "summary": "Went through 4.3 and 6.1."}
    assert step(mette, case_id, "talks", talk).status_code == 302
    assert step(mette, case_id, "hearing", {"sent_on": days_ago(3)}).status_code == 302
    refused = step(mette, case_id, "warnings", {"issued_on": days_ago(0), "text": "Written warning."})
    assert refused.status_code == 409
    assert "Advarslen kan ikke gives endnu" in refused.text and "tidligst gives den" in refused.text
    assert "Written warning." in refused.text  # what was typed is kept
    page = mette.get(f"/sager/{case_id}")
    assert "Skriftlig advarsel er givet" not in page.text
    statement = {"received_on": days_ago(1), "summary": "She regrets it."}
    assert step(mette, case_id, "statements", statement).status_code == 302
    assert step(mette, case_id, "warnings", {"issued_on": days_ago(0), "text": "Written warning."}).status_code == 302
    closed = step(mette, case_id, "closure", {"outcome": "sanctioned", "reason": "Done."})
    assert closed.status_code == 302
    page = mette.get(f"/sager/{case_id}")
    assert "afsluttet" in page.text and "sanktioneret" in page.text
    for event in ("Hændelsen er vurderet", "Tjenstlig samtale er afholdt", "Skriftlig advarsel er givet",
                  "Sagen er afsluttet"):
        assert event in page.text
    assert "mette (leder)" in page.text


def test_a_stale_form_gets_the_conflict_page_with_the_input_kept(browser):
    mette = browser("mette")
    case_id = report(mette)
    assert step(mette, case_id, "notes", {"text": "First note."}, version=1).status_code == 302
    stale = step(mette, case_id, "notes", {"text": "My second note."}, version=1)
    assert stale.status_code == 409
    assert "Sagen er blevet ændret i mellemtiden" in stale.text
    assert "My second note." in stale.text and 'name="version" value="2"' in stale.text
    assert "Notat er tilføjet" in stale.text


def test_a_step_without_its_date_says_which_field(browser):
    mette = browser("mette")
    case_id = report(mette)
    answer = step(mette, case_id, "statements", {"received_on": "", "summary": "x"})
    assert answer.status_code == 422 and 'href="#statements-received_on"' in answer.text


def test_dates_read_in_danish_and_in_english_after_the_switch(browser):
    mette = browser("mette")
    case_id = report(mette, occurred_on="2026-11-02")
    assert "2. november 2026" in mette.get(f"/sager/{case_id}").text
    mette.post("/sprog", {"lang": "en", "next": f"/sager/{case_id}"}, from_page=f"/sager/{case_id}")
    page = mette.get(f"/sager/{case_id}")
    assert "November 2, 2026" in page.text and "Case history" in page.text and 'lang="en"' in page.text


def _hr():
    from domain.values import Role
    from service.users import User

    return User("henrik", Role.HR)


def test_past_its_bound_the_list_says_more_than_and_still_pages_on(browser, monkeypatch):
    from adapters.web import cases

    mette = browser("mette")
    made = [report(mette) for _ in range(4)]
    monkeypatch.setattr(cases, "PER_PAGE", 2)
    monkeypatch.setattr(cases, "COUNT_AT_MOST", 3)
    first = mette.get("/sager")
    assert "Mere end 3 sager" in first.text and "Side 1<" in first.text and "Næste" in first.text
    second = mette.get("/sager?page=2")
    assert "4 sager" in second.text and "Side 2 af 2" in second.text and "Næste" not in second.text
    assert all(case_id[:8] in first.text + second.text for case_id in made)
    monkeypatch.setattr(cases, "COUNT_AT_MOST", 4)
    assert "4 sager" in mette.get("/sager").text
