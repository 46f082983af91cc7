"""Bearer-token authentication: who is calling, for every protected route."""

from __future__ import annotations

import re

from flask import g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from adapters.http.context import user_store
from service.users import User

REALM = "breachtrail"
BEARER_SCHEME = "bearerAuth"
# RFC 6750's b64token, bounded: anything else cannot be one of our tokens.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]{1,512}=*")


def authenticate() -> None:
    """Identify the caller from ``Authorization: Bearer <token>``, or refuse with 401."""
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    token = credentials.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("Send 'Authorization: Bearer <token>'; a token is issued by 'breachtrail users add'.")
    user = user_store().authenticate(token) if _TOKEN.fullmatch(token) else None
    if user is None:
        raise _unauthorized("The token is unknown or has been revoked.", error="invalid_token")
    g.user = user


def current_user() -> User:
    """The authenticated caller of this request."""
    user: User = g.user
    return user


def _unauthorized(detail: str, *, error: str | None = None) -> Unauthorized:
    parameters = {"realm": REALM}
    if error is not None:
        parameters["error"] = error
    return Unauthorized(description=detail, www_authenticate=WWWAuthenticate("bearer", parameters))
