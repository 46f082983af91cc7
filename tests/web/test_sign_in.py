"""One-time sign-in links: opening one uses nothing up, the button does, once, within 15 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
