"""Who may open which page: every role against every page, and the pages' security headers."""

from __future__ import annotations

import pytest

from tests.web.conftest import report, step

#: (path template, roles allowed) — {case} is a case of the manager mette's unit.
PAGES = [
    ("/sager", {"mette", "mads", "henrik"}),
    ("/sager/ny", {"mette", "mads", "henrik"}),
    ("/sager/{case}", {"mette", "henrik"}),
    ("/sager/{case}/udskrift", {"henrik"}),
    ("/sager/{case}/adgangslog", {"henrik"}),
    ("/sager/{case}/sletning", {"henrik"}),
    ("/integritet", {"henrik"}),
    ("/opbevaring", {"henrik"}),
    ("/brugere", {"henrik"}),
    ("/brugere/mette", {"henrik"}),
    ("/brugere/mette/spaerring", {"henrik"}),
    ("/ny-retningslinje", {"henrik"}),
    ("/retningslinjer/tandplejen-udkast-2026/tilbagetraekning", {"henrik"}),
    ("/retningslinjer/tandplejen-udkast-2026/afloesning", {"henrik"}),
    ("/statistik", {"mette", "mads", "henrik", "rikke"}),
    ("/statistik.csv", {"mette", "mads", "henrik", "rikke"}),
]


@pytest.fixture
def case_id(browser) -> str:
    return report(browser("mette"))


@pytest.mark.parametrize("user", ["mette", "mads", "henrik", "rikke"])
def test_every_role_against_every_page(browser, case_id, user):
    b = browser(user)
    for template, allowed in PAGES:
        answer = b.get(template.format(case=case_id))
        if user in allowed:
            assert answer.status_code == 200, (template, user)
        else:
            # Another unit's case does not exist for a manager; a rep never reaches a case page.
            expected = 404 if user == "mads" and "{case}" in template and template.count("/") == 2 else 403
            assert answer.status_code in {403, 404}, (template, user, answer.status_code)
            if user == "rikke" or "{case}" not in template:
                assert answer.status_code == 403 or expected == 404, (template, user)
            assert "Jane Doe" not in answer.text and "E-1042" not in answer.text


@pytest.mark.parametrize("user", ["mette", "henrik", "rikke"])
def test_no_one_but_hr_may_take_hr_steps_and_reps_take_none(browser, case_id, user):
    answer = step(browser(user), case_id, "escalation", {"reason": "x"}, version=1) if user != "rikke" else None
    if user == "rikke":
        b = browser("rikke")
        page = b.get("/statistik")
        answer = b.client.post(f"/sager/{case_id}/trin/notes",
                               data={"notes-text": "x", "version": "1", "csrf_token": b.token(page.text)})
        assert answer.status_code == 403
    else:
        assert answer.status_code in {403, 409}


def test_anonymous_visitors_are_sent_to_sign_in(browser, case_id):
    anonymous = browser()
    answer = anonymous.get(f"/sager/{case_id}")
    assert answer.status_code == 302 and answer.location.startswith("/log-ind")
    assert anonymous.get("/log-ind").status_code == 200


def test_a_form_without_its_csrf_token_is_refused_with_a_page(browser, case_id):
    mette = browser("mette")
    answer = mette.client.post(f"/sager/{case_id}/trin/notes", data={"notes-text": "x", "version": "1"})
    assert answer.status_code == 400 and "Formularen var for gammel" in answer.text
    assert "Notat er tilføjet" not in mette.get(f"/sager/{case_id}").text


def test_pages_carry_security_headers_and_the_api_keeps_problem_json(browser):
    page = browser("mette").get("/sager")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    cookie = browser().client
    login = cookie.get("/log-ind")
    assert login.status_code == 200
    missing = browser().get("/ingen-side")
    assert missing.status_code == 404 and "Siden findes ikke" in missing.text and "Traceback" not in missing.text
    api = browser().get("/api/v1/ingen")
    assert api.status_code == 404 and api.content_type == "application/problem+json"


def test_the_session_cookie_is_httponly_and_lax(web_app):
    from tests.web.conftest import Browser

    b = Browser(web_app)
    secret = web_app.extensions["breachtrail.sign_ins"].issue_link("mette")
    page = b.get(f"/login/{secret}")
    answer = b.client.post(f"/login/{secret}", data={"csrf_token": b.token(page.text)})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
