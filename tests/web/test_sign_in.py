"""One-time sign-in links: opening one uses nothing up, the button does, once, within 15 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.values import Role
from tests.web.conftest import Browser


def test_opening_a_link_does_not_use_it_the_button_does_once(web_app):
    secret = web_app.extensions["breachtrail.sign_ins"].issue_link("mette")
    scanner = Browser(web_app)
    assert scanner.get(f"/login/{secret}").status_code == 200
    assert scanner.get(f"/login/{secret}").status_code == 200  # a mail scanner's prefetch, twice
    person = Browser(web_app)
    page = person.get(f"/login/{secret}")
    assert "Log ind" in page.text
    assert person.client.post(f"/login/{secret}", data={"csrf_token": person.token(page.text)}).status_code == 302
    assert person.get("/sager").status_code == 200
    again = Browser(web_app)
    answer = again.get(f"/login/{secret}")
    assert answer.status_code == 404 and "Linket virker ikke" in answer.text


def test_a_link_expires_after_15_minutes(web_app):
    links = web_app.extensions["breachtrail.sign_ins"]
    secret = links.issue_link("mette", now=datetime.now(UTC) - timedelta(minutes=16))
    assert Browser(web_app).get(f"/login/{secret}").status_code == 404
    assert links.redeem_link(secret) is None


def test_only_a_hash_of_the_link_is_stored(web_app):
    import sqlalchemy as sa

    links = web_app.extensions["breachtrail.sign_ins"]
    secret = links.issue_link("mette")
    with links.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM sign_in_links")).all()
    assert rows and all(secret not in str(row) for row in rows)


def test_a_revoked_user_cannot_use_their_link(web_app):
    secret = web_app.extensions["breachtrail.sign_ins"].issue_link("mette")
    web_app.extensions["breachtrail.users"].revoke("mette")
    b = Browser(web_app)
    page = b.get(f"/login/{secret}")
    assert b.client.post(f"/login/{secret}", data={"csrf_token": b.token(page.text)}).status_code == 404


def test_signing_out_ends_the_session(browser):
    mette = browser("mette")
    assert mette.post("/log-ud", {}, from_page="/sager").status_code == 302
    assert mette.get("/sager").status_code == 302


def test_an_idle_session_is_signed_out(browser, web_app):
    mette = browser("mette")
    with mette.client.session_transaction() as session:
        session["seen"] = session["seen"] - 31 * 60
    answer = mette.get("/sager")
    assert answer.status_code == 302 and answer.location.startswith("/log-ind")


def test_the_next_address_never_leaves_the_site(browser):
    anonymous = browser()
    page = anonymous.get("/log-ind")
    answer = anonymous.client.post("/sprog", data={"lang": "en", "next": "https://evil.example/",
                                                   "csrf_token": anonymous.token(page.text)})
    assert answer.status_code == 302 and answer.location == "/"


def _sends_the_session_cookie(answer) -> bool:  # type: ignore[no-untyped-def]
    return any(value.startswith("breachtrail_session=") for value in answer.headers.getlist("Set-Cookie"))


def test_pages_within_a_minute_do_not_send_the_session_cookie_again(browser):
    mette = browser("mette")
    assert mette.get("/sager").status_code == 200  # the first page may still add its CSRF token
    answer = mette.get("/sager")
    assert answer.status_code == 200 and not _sends_the_session_cookie(answer)


def test_a_page_after_a_minute_writes_the_new_last_seen_time(browser):
    mette = browser("mette")
    mette.get("/sager")
    with mette.client.session_transaction() as session:
        session["seen"] = session["seen"] - 2 * 60
        before = session["seen"]
    answer = mette.get("/sager")
    assert answer.status_code == 200 and _sends_the_session_cookie(answer)
    with mette.client.session_transaction() as session:
        assert session["seen"] > before + 60


def test_the_idle_timeout_counts_from_the_last_seen_time_the_cookie_holds(browser):
    mette = browser("mette")
    for _ in range(3):  # pages within the minute leave the last-seen time as it was
        assert mette.get("/sager").status_code == 200
    with mette.client.session_transaction() as session:
        session["seen"] = session["seen"] - 30 * 60 - 1
    answer = mette.get("/sager")
    assert answer.status_code == 302 and answer.location.startswith("/log-ind")


def test_a_revoked_user_is_refused_on_the_next_page_within_the_minute(browser, web_app):
    mette = browser("mette")
    assert mette.get("/sager").status_code == 200
    web_app.extensions["breachtrail.users"].revoke("mette")
    answer = mette.get("/sager")
    assert answer.status_code == 302 and answer.location.startswith("/log-ind")
    assert mette.get("/sager").status_code == 302  # the session is ended, not only this page refused


def test_a_changed_role_takes_effect_on_the_next_page(browser, web_app):
    henrik = browser("henrik")
    assert henrik.get("/sager").status_code == 200
    web_app.extensions["breachtrail.users"].change("henrik", Role.REP, [])
    assert henrik.get("/sager").status_code == 403
