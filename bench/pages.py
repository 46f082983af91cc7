"""Signing a browser in over HTTP, for timing the web pages as a signed-in person sees them.

The same way a person signs in with a one-time link (``breachtrail sign-in-link``): the link
is issued in the database, its page is opened (which sets the session cookie holding the
CSRF token), and its button is posted. What comes back is the session cookie the load
generator then sends with every page request.
"""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import sqlalchemy as sa

from adapters.composition import SignIns

COOKIE = "breachtrail_session"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class SignInFailed(RuntimeError):
    """The one-time link did not give a session; the message says where it stopped."""


def issue_links(database_url: str, user_ids: list[str]) -> dict[str, str]:
    """A one-time sign-in secret for each user, written where the servers read them."""
    engine = sa.create_engine(database_url)
    try:
        sign_ins = SignIns(engine)
        sign_ins.create_tables()
        return {user_id: sign_ins.issue_link(user_id) for user_id in user_ids}
    finally:
        engine.dispose()


def _session_cookie(response: http.client.HTTPResponse) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(value)
            if COOKIE in cookie:
                return f"{COOKIE}={cookie[COOKIE].value}"
    return None


def redeem(port: int, secret: str) -> str:
    """Open the link and press its button; the ``Cookie`` header value of the signed-in session."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", f"/login/{secret}", headers={"Accept": "text/html"})
        page = connection.getresponse()
        html = page.read().decode("utf-8", errors="replace")
        cookie = _session_cookie(page)
        found = _CSRF.search(html)
        if page.status != 200 or cookie is None or found is None:
            raise SignInFailed(f"the link's page answered {page.status} without a form and a session")
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        form = urlencode({"csrf_token": found.group(1)}).encode()
        connection.request("POST", f"/login/{secret}", body=form, headers={
            "Accept": "text/html", "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answer = connection.getresponse()
        answer.read()
        signed_in = _session_cookie(answer)
        if answer.status != 302 or signed_in is None:
            raise SignInFailed(f"pressing the link's button answered {answer.status}")
        return signed_in
    finally:
        connection.close()


def sign_in(port: int, database_url: str, user_id: str) -> str:
    """A signed-in session cookie for ``user_id`` on the server at ``port``."""
    return redeem(port, issue_links(database_url, [user_id])[user_id])


def page(path: str, cookie: str) -> dict[str, object]:
    """A load entry: a web page as a signed-in browser asks for it."""
    return {"method": "GET", "path": path, "body": None, "headers": {"Accept": "text/html", "Cookie": cookie}}
