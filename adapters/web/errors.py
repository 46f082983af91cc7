"""Error pages in the design system: never a stack trace, and the API keeps its problem+json.

The API's handlers are app-wide; they stay in charge of API paths. For every other path the
same errors get a page: 400 (also a failed CSRF check), 403, 404 and 500.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from domain.errors import DomainError, RoleNotPermitted
from service.errors import AccessDenied, CaseNotFound, ServiceError, VersionNotFound

logger = logging.getLogger(__name__)

_PAGES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html", 500: "errors/500.html"}


def error_page(status: int, **context: Any) -> tuple[str, int]:
    """The design system's page for ``status`` (other codes use the nearest page)."""
    template = _PAGES.get(status) or (_PAGES[500] if status >= 500 else _PAGES[400])
    return render_template(template, status=status, **context), status


def _http_page(error: Exception) -> Any:
    status = getattr(error, "code", None) or 500
    if status == 405:
        status = 404
    if status >= 500:
        return _unexpected_page(error)
    return error_page(status, csrf=isinstance(error, CSRFError))


def _unexpected_page(error: Exception) -> Any:
    reference = uuid.uuid4().hex[:12]
    logger.error("unexpected error on a page (reference %s)", reference, exc_info=error)
    return error_page(500, reference=reference)


_PAGE_HANDLERS: tuple[tuple[type[Exception], Callable[[Exception], Any]], ...] = (
    (CaseNotFound, lambda error: error_page(404)),
    (VersionNotFound, lambda error: error_page(404)),
    (AccessDenied, lambda error: error_page(403)),
    (RoleNotPermitted, lambda error: error_page(403)),
    (HTTPException, _http_page),
    (Exception, _unexpected_page),
)


def register(app: Flask, is_page: Callable[[], bool]) -> None:
    """Route every error either to the API's own handler or to a page, by the request's path."""
    api_handlers: dict[type[Exception], Callable[[Exception], Any]] = dict(app.error_handler_spec[None][None])

    def api_handler(error: Exception) -> Callable[[Exception], Any] | None:
        for cls in type(error).__mro__:
            if cls in api_handlers:
                return api_handlers[cls]
        return None

    def dispatch(page: Callable[[Exception], Any]) -> Callable[[Exception], Any]:
        def handle(error: Exception) -> Any:
            if is_page():
                return page(error)
            handler = api_handler(error)
            if handler is None:
                if isinstance(error, HTTPException):
                    return error
                raise error
            return handler(error)

        return handle

    def page_for(error_class: type[Exception]) -> Callable[[Exception], Any]:
        for known, page in _PAGE_HANDLERS:
            if issubclass(error_class, known) and known is not Exception:
                return page
        if issubclass(error_class, DomainError | ServiceError):
            # A refused step or bad input that a page did not handle itself.
            return lambda error: error_page(400)
        return _unexpected_page

    for error_class in {*api_handlers, *(known for known, _ in _PAGE_HANDLERS)}:
        app.register_error_handler(error_class, dispatch(page_for(error_class)))
