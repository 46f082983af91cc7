"""Sign-in through the municipality's identity provider (OpenID Connect, with Authlib).

The provider says who the person is; breachtrail's own register says what they may do. An
identity the register does not know is refused politely, and the attempt is recorded.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from adapters.web import user_admin
from adapters.web.blueprint import public, web
from adapters.web.context import settings, sign_ins
from adapters.web.sessions import _safe_next, start_session

logger = logging.getLogger(__name__)

OIDC = "breachtrail.oidc"
CLIENT = "municipality"


def init_app(app: Flask) -> None:
    """Register the provider when an issuer and a client id are configured."""
    configured = app.config["SETTINGS"]
    if not configured.oidc_enabled:
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        client_id=configured.oidc_client_id,
        client_secret=configured.oidc_client_secret,
        server_metadata_url=f"{configured.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email"},
    )
    app.extensions[OIDC] = oauth


def _client() -> Any:
    oauth = current_app.extensions.get(OIDC)
    if oauth is None:
        abort(404)
    return oauth.create_client(CLIENT)


@web.route("/login/oidc")
@public
def oidc_start() -> Any:
    client = _client()
    session["after_sign_in"] = _safe_next(request.args.get("next"))
    return client.authorize_redirect(url_for("web.oidc_callback", _external=True))


@web.route("/login/oidc/callback")
@public
def oidc_callback() -> Response | tuple[str, int]:
    client = _client()
    try:
        token = client.authorize_access_token()
    except Exception as error:  # the provider's refusal, a replayed or forged answer
        logger.warning("OpenID Connect sign-in failed: %s", error)
        return render_template("sign_in_failed.html"), 400
    claims = token.get("userinfo") or {}
    claim = settings().oidc_user_claim
    identity = str(claims.get(claim) or "")
    if identity and user_admin.signed_in_user(identity) is not None:
        after = session.get("after_sign_in")
        start_session(identity)
        return redirect(after or url_for("web.home"))
    issuer = settings().oidc_issuer or ""
    logger.warning("refused sign-in of unknown identity %r (claim %s) from %s", identity, claim, issuer)
    sign_ins().record_refusal(issuer, claim, identity or "(none)")
    return render_template("sign_in_unknown.html"), 403
