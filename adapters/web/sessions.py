"""Signing in and out, the idle timeout, the language switch, and the front page.

A one-time link is shown as a page with a "Log ind" button: opening the link (as mail
scanners do) uses nothing up; only the button's POST does. Every POST to a page carries a
CSRF token; a session idle longer than the configured minutes is signed out.

The session cookie holds when the user was last seen, for the idle timeout. It is written
again only when that is more than ``SEEN_EVERY`` seconds old, not on every page (signing and
sending it again cost every page): the idle timeout is counted from the time the cookie holds,
so a session is signed out after at most the configured minutes without a page, never later,
and at most a minute sooner. Whether the user is still active (not revoked) is asked on
every request, so a revoked user is refused on the next page.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from adapters.web import user_admin
from adapters.web.app import LANGUAGES, csrf
from adapters.web.blueprint import current_user, public, web
from adapters.web.context import settings, sign_ins
from domain.values import Role

logger = logging.getLogger(__name__)

#: How old the last-seen time in the cookie may grow before a page writes it again (seconds).
SEEN_EVERY = 60


@web.before_request
def check_request() -> Response | None:
    if request.method == "POST":
        csrf.protect()
    g.web_user = _session_user()
    view = current_app.view_functions.get(request.endpoint or "")
    if g.web_user is None and request.endpoint != "web.static" and not getattr(view, "public", False):
        wanted = _safe_next(request.full_path) if request.method == "GET" and request.path != "/" else None
        return redirect(url_for("web.sign_in", next=wanted))
    return None


def _session_user() -> Any:
    user_id = session.get("uid")
    if not user_id:
        return None
    now = time.time()
    seen = float(session.get("seen", 0))
    if now - seen > settings().session_idle_minutes * 60:
        _end_session()
        flash(_("Du er blevet logget ud, fordi du ikke har været aktiv i et stykke tid. Log ind igen."), "info")
        return None
    user = user_admin.signed_in_user(user_id)
    if user is None:
        _end_session()
        return None
    if now - seen > SEEN_EVERY:
        session["seen"] = now
    return user


def start_session(user_id: str) -> None:
    """Sign ``user_id`` in: a fresh session (no fixation), keeping the chosen language."""
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session.update(uid=user_id, seen=time.time())
    if language:
        session["lang"] = language
    logger.info("user %s signed in", user_id)


def _end_session() -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


@web.route("/")
@public
def home() -> Response:
    user = g.web_user
    if user is None:
        return redirect(url_for("web.sign_in"))
    if user.role is Role.REP:
        return redirect(url_for("web.dashboard"))
    return redirect(url_for("web.tasks"))


@web.route("/log-ind")
@public
def sign_in() -> Any:
    if g.web_user is not None:
        return redirect(url_for("web.home"))
    return render_template("sign_in.html", oidc=settings().oidc_enabled, next=_safe_next(request.args.get("next")))


@web.route("/login/<secret>", methods=["GET"])
@public
def sign_in_link(secret: str) -> Any:
    user_id = sign_ins().link_user(secret)
    if user_id is None:
        return render_template("sign_in_link_invalid.html"), 404
    return render_template("sign_in_link.html", secret=secret)


@web.route("/login/<secret>", methods=["POST"])
@public
def redeem_sign_in_link(secret: str) -> Any:
    user_id = sign_ins().redeem_link(secret)
    if user_id is None or user_admin.signed_in_user(user_id) is None:
        return render_template("sign_in_link_invalid.html"), 404
    start_session(user_id)
    return redirect(url_for("web.home"))


@web.route("/log-ud", methods=["POST"])
def sign_out() -> Response:
    logger.info("user %s signed out", current_user().id)
    _end_session()
    flash(_("Du er logget ud."), "success")
    return redirect(url_for("web.sign_in"))


@web.route("/sprog", methods=["POST"])
@public
def choose_language() -> Response:
    language = request.form.get("lang")
    if language in LANGUAGES:
        session["lang"] = language
    return redirect(_safe_next(request.form.get("next")) or url_for("web.home"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target.removesuffix("?")
