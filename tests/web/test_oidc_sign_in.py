"""Sign-in through a real OpenID Connect provider, started by the test on a free port.

The app's side of the flow runs in the Flask test client; the provider's side (its authorize
form) is driven over HTTP, as a browser would. The provider issues real signed ID tokens, so
Authlib checks the signature, the issuer, the audience and the nonce as it would in production.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import authlib.deprecate  # noqa: F401  (sets its warnings to "always" when imported: first, so the filter below wins)
import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.composition import build_user_administration, close_case_service
from adapters.config import Settings
from adapters.web.app import create_app
from domain.values import Role

with warnings.catch_warnings():
    # The provider uses APIs its own dependencies have deprecated: not this project's to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    from oidc_provider_mock import User, run_server_in_thread

# The same warnings, raised while the provider answers in its thread.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning:oidc_provider_mock")]

# Two identities the provider knows; only Mette's username is a user in breachtrail.
METTE = User(sub="8f0e6c2a-mette", claims={"preferred_username": "mette", "name": "Mette Hansen"})
STRANGER = User(sub="1b9d4e77-stranger", claims={"preferred_username": "ukendt.person", "name": "Ukendt Person"})


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with run_server_in_thread(user_claims=[METTE, STRANGER], require_nonce=True) as server:
            yield f"http://localhost:{server.server_port}"


@pytest.fixture
def oidc_app(provider: str, database_url: str, key_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test's provider speaks plain http
    settings = Settings(database_url=database_url, master_key=os.urandom(32), key_dir=key_dir,
                        oidc_issuer=provider, oidc_client_id="breachtrail", oidc_client_secret="s3cret",
                        oidc_user_claim="preferred_username")
    app = create_app({"SETTINGS": settings})
    app.testing = True
    users = app.extensions["breachtrail.users"]
    users.add("mette", Role.MANAGER, ["tandplejen"])
    build_user_administration(app.extensions["breachtrail.cases"], users).record_existing_grants()
    yield app
    close_case_service(app.extensions["breachtrail.cases"])


def sign_in_at_provider(client: FlaskClient, subject: str) -> str:
    """Start at the sign-in page's button and pick ``subject`` in the provider's form; the query
    string the provider sends the browser back to the app with."""
    sign_in_page = client.get("/log-ind")
    assert sign_in_page.status_code == 200 and "/login/oidc" in sign_in_page.text
    start = client.get("/login/oidc")
    assert start.status_code == 302
    to_provider = start.location
    query = parse_qs(urlsplit(to_provider).query)
    assert to_provider.startswith(provider_of(client)) and query["redirect_uri"][0].endswith("/login/oidc/callback")
    assert query["client_id"] == ["breachtrail"] and "nonce" in query and "state" in query
    form = httpx.get(to_provider)
    assert form.status_code == 200 and 'name="sub"' in form.text
    authorised = httpx.post(to_provider, data={"sub": subject})
    assert authorised.status_code == 302, authorised.text
    back = urlsplit(authorised.headers["location"])
    assert back.path == "/login/oidc/callback"
    returned = parse_qs(back.query)
    assert returned["state"] == query["state"] and returned["code"]
    return back.query


def provider_of(client: FlaskClient) -> str:
    return str(client.application.config["SETTINGS"].oidc_issuer)


def test_a_known_identity_signs_in_and_sees_her_name(oidc_app: Flask):
    client = oidc_app.test_client()
    assert client.get("/sager").status_code in {302, 303}  # not signed in yet
    back = client.get("/login/oidc/callback?" + sign_in_at_provider(client, METTE.sub))
    assert back.status_code == 302 and back.location.endswith("/")
    start = client.get("/", follow_redirects=True)
    assert start.status_code == 200
    assert "mette, leder (tandplejen)" in start.text and "Mine opgaver" in start.text
    assert client.get("/sager").status_code == 200
    assert oidc_app.extensions["breachtrail.sign_ins"].refusals() == []


def test_an_unknown_identity_is_asked_to_contact_hr_is_not_signed_in_and_is_recorded(oidc_app: Flask, provider: str):
    client = oidc_app.test_client()
    refused = client.get("/login/oidc/callback?" + sign_in_at_provider(client, STRANGER.sub))
    assert refused.status_code == 403
    assert "Du har ikke adgang endnu" in refused.text and "Bed HR om at give dig adgang" in refused.text
    assert "ukendt.person" not in refused.text
    assert client.get("/sager").status_code in {302, 303}  # still not signed in
    [attempt] = oidc_app.extensions["breachtrail.sign_ins"].refusals()
    assert (attempt.issuer, attempt.claim, attempt.identity) == (provider, "preferred_username", "ukendt.person")


def test_a_forged_answer_signs_no_one_in(oidc_app: Flask):
    client = oidc_app.test_client()
    client.get("/login/oidc")
    forged = client.get("/login/oidc/callback?code=made-up&state=made-up")
    assert forged.status_code == 400
    assert client.get("/sager").status_code in {302, 303}
    assert oidc_app.extensions["breachtrail.sign_ins"].refusals() == []
