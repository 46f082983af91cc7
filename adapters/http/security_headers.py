"""Headers every response carries, so a browser never sniffs, frames or runs what it should not.

JSON answers get a policy that allows nothing; the API documentation page (Swagger UI, which
configures itself in an inline script) may run its own scripts and styles and nothing else.
A response that sets its own policy keeps it.
"""

from __future__ import annotations

from flask import Flask, Response, request

JSON_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def register_security_headers(app: Flask, docs_path: str) -> None:
    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        policy = DOCS_POLICY if request.path.startswith(docs_path) else JSON_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        return response
