"""Mine opgaver, the mail links, staff lists and coverage: every role against every new page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.web.conftest import days_ago, report

NEW_PAGES = [
    ("/opgaver", {"mette", "mads", "henrik"}),
    ("/medarbejdere", {"mette", "mads", "henrik", "rikke"}),
    ("/medarbejdere/tandplejen", {"mette", "henrik"}),
    ("/medarbejdere/tandplejen/gennemgang", {"mette", "henrik"}),
    ("/medarbejdere/tandplejen/introduktion", {"mette", "henrik"}),
    ("/statistik/udgivelser", {"henrik"}),
]


@pytest.fixture
def staffed(browser):  # type: ignore[no-untyped-def]
    henrik = browser("henrik")
    for ref, name in (("E-1042", "Jane Doe"), ("E-2001", "Ole Olsen")):
        answer = henrik.post("/medarbejdere/tandplejen", {"employee_ref": ref, "name": name,
                                                          "start_date": days_ago(400), "change": "0"})
        assert answer.status_code == 302, answer.text
    return henrik


@pytest.mark.parametrize("user", ["mette", "mads", "henrik", "rikke"])
def test_every_role_against_every_new_page(browser, staffed, user):
    report(browser("mette"))
    b = browser(user)
    for path, allowed in NEW_PAGES:
        answer = b.get(path)
        assert answer.status_code == (200 if user in allowed else 403), (path, user)
        if user not in {"mette", "henrik"}:
            assert "Jane Doe" not in answer.text and "E-1042" not in answer.text and "Ole Olsen" not in answer.text


def test_tasks_list_overdue_deadlines_first_with_links_and_hr_sees_reminder_runs(browser, web_app):
    mette = browser("mette")
    case_id = report(mette)
    later = datetime.now(UTC) + timedelta(days=60)
    web_app.extensions["breachtrail.cases"].clock = lambda: later  # the case has lain idle
    page = mette.get("/opgaver")
    assert page.status_code == 200 and "Mine opgaver" in page.text
    assert f"/sager/{case_id}" in page.text and "Påmindelser" not in page.text
    assert "Sagen har ligget stille" in page.text and "Overskredet" in page.text
    hr = browser("henrik").get("/opgaver")
    assert "Påmindelser" in hr.text and f"/sager/{case_id}" in hr.text
    assert browser("mads").get("/opgaver").text.count(f"/sager/{case_id}") == 0
    assert mette.get("/").location.endswith("/opgaver")


def test_a_mail_link_leads_to_the_case_page_and_access_is_checked_there(browser):
    mette = browser("mette")
    case_id = report(mette)
    answer = mette.get(f"/cases/{case_id}")
    assert answer.status_code == 301 and answer.location.endswith(f"/sager/{case_id}")
    assert browser("rikke").client.get(f"/cases/{case_id}", follow_redirects=True).status_code == 403
    assert browser().get(f"/cases/{case_id}").status_code in {301, 302}


def test_hr_keeps_the_staff_list_a_manager_records_a_review_and_coverage_names_only_for_the_unit(browser, staffed):
    mette = browser("mette")
    listed = mette.get("/medarbejdere/tandplejen")
    assert "Jane Doe" in listed.text and "Ole Olsen" in listed.text and "0 af 2" in listed.text
    assert "Tilføj eller ret" not in listed.text
    refused = mette.post("/medarbejdere/tandplejen", {"employee_ref": "E-3", "name": "X", "start_date": days_ago(1)})
    assert refused.status_code == 403
    duplicate = staffed.post("/medarbejdere/tandplejen", {"employee_ref": "E-1042", "name": "Jane Doe",
                                                          "start_date": days_ago(400), "change": "0"})
    assert duplicate.status_code == 422
    empty = mette.post("/medarbejdere/tandplejen/gennemgang", {"held_on": days_ago(1), "led_by": "Mette"})
    assert empty.status_code == 422 and "Vælg mindst én deltager" in empty.text
    review = mette.client.post("/medarbejdere/tandplejen/gennemgang", data={
        "held_on": days_ago(1), "led_by": "Mette", "participants": ["E-1042"],
        "csrf_token": mette.token(mette.get("/medarbejdere/tandplejen/gennemgang").text)})
    assert review.status_code == 302, review.text
    assert "1 af 2" in mette.get("/medarbejdere/tandplejen").text
    rep = browser("rikke").get("/medarbejdere")
    assert "tandplejen" in rep.text and "Jane Doe" not in rep.text and "Ole Olsen" not in rep.text
    assert browser("mads").get("/medarbejdere/tandplejen").status_code == 403
