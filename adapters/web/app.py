"""``create_app()`` for the whole service: the JSON API and, on the same app, the browser pages.

The web room sits above the HTTP room: it builds the API's app and adds its pages, so the
API knows nothing of them and its tests see the same app as before.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from adapters.composition import build_sign_ins
from adapters.http.app import create_app as create_api_app
from adapters.web import components, errors, formatting, vocabulary
from adapters.web.blueprint import web
from adapters.web.context import CASE_SERVICE, SIGN_INS
from adapters.web.formatting import translated as _  # the request's catalogue, looked up once a page
from domain.values import Role

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"

# Pages send no inline script or style; the design system's files come from this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

csrf = CSRFProtect()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The API and the browser application, built from ``BREACHTRAIL_*`` settings (or ``config``)."""
    app = create_api_app(config)
    register_web(app)
    return app


def register_web(app: Flask) -> None:
    """Add the pages, their sessions, translations, CSRF checks and security headers to ``app``."""
    configured = app.config["SETTINGS"]
    app.extensions[SIGN_INS] = build_sign_ins(app.extensions[CASE_SERVICE], configured)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = configured.session_secret()
    app.config.update(
        SESSION_COOKIE_NAME="breachtrail_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=configured.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=configured.session_idle_minutes),
        # The cookie is sent again when the session changes (sessions.SEEN_EVERY), not on every page.
        SESSION_REFRESH_EACH_REQUEST=False,
        # Checked by the web blueprint only: the API authenticates with bearer tokens, not cookies.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        BABEL_DEFAULT_TIMEZONE="Europe/Copenhagen",
        BABEL_TRANSLATION_DIRECTORIES=_translations_path(),
    )
    csrf.init_app(app)
    Babel(app, locale_selector=_language)
    formatting.register(app)
    vocabulary.register(app)
    components.register(app)

    # Importing the page modules adds their routes to the blueprint.
    from adapters.web import (  # noqa: F401
        cases,
        dashboard,
        oidc,
        policies,
        policy_documents,
        policy_lifecycle,
        policy_steps,
        records,
        sessions,
        staff_pages,
        statistics_releases,
        steps,
        tasks,
        users,
    )

    app.register_blueprint(web)
    oidc.init_app(app)
    errors.register(app, is_web_request)
    app.after_request(_security_headers)
    app.context_processor(_page_context)


def _translations_path() -> str:
    return str(Path(__file__).parent / "translations")


def _language() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def is_web_request() -> bool:
    """Whether this request is for a page (not the JSON API, its documents or the health check)."""
    path = request.path
    return not (path.startswith("/api/") or path == "/api" or path == "/healthz")


def _security_headers(response: Any) -> Any:
    if not is_web_request():
        return response
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/assets/"):
        # Pages carry personal data: never kept by a browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
    return response


def _navigation(user: Any) -> list[tuple[str, str]]:
    if user is None:
        return []
    items = []
    if user.role in (Role.MANAGER, Role.HR):
        items += [("web.tasks", _("Mine opgaver")), ("web.case_list", _("Sager")), ("web.new_case", _("Indberet"))]
        items += [("web.staff_overview", _("Medarbejdere"))]
    if user.role is Role.HR:
        items += [("web.retention", _("Opbevaring")), ("web.integrity", _("Integritet")), ("web.users", _("Brugere"))]
    items.append(("web.dashboard", _("Statistik")))
    items.append(("web.policy_in_force", _("Retningslinjer")))
    return items


def _page_context() -> dict[str, Any]:
    if not is_web_request():
        return {}
    user = g.get("web_user")
    return {"web_user": user, "current_language": _language(), "navigation": _navigation(user),
            "active_nav": request.endpoint}
