"""gunicorn's own answers, as problem+json like every other error of the API.

gunicorn refuses some requests before the application sees them: a request line over
``limit_request_line`` (414), too many or too large header fields (431), a request that is no
HTTP (400). It writes those as small HTML pages; and a worker stopped for overrunning its
timeout closes the connection without a word. ``ProblemWorker`` is gunicorn's sync worker with
both changed: its error pages are RFC 9457 problems, and a request whose worker is aborted
gets a 503 problem before the worker exits. The limits stay gunicorn's, so nothing oversize is
read into memory first.
"""

from __future__ import annotations

import json
import socket
from http import HTTPStatus
from typing import Any

from gunicorn.workers.sync import SyncWorker

PROBLEM_JSON = "application/problem+json"
REQUEST_LINE_LIMIT = 4094  # gunicorn's own limits, stated so `serve` and these messages agree
HEADER_FIELDS_LIMIT = 100
HEADER_FIELD_SIZE_LIMIT = 8190
#: Request bodies larger than this are refused with 413 before they are read.
MAX_BODY_BYTES = 64 * 1024

_DETAILS = {
    400: "The request is not valid HTTP/1.1.",
    414: f"The request line (method, path and query string) is longer than {REQUEST_LINE_LIMIT} bytes.",
    431: f"The request has more than {HEADER_FIELDS_LIMIT} header fields, or a field longer than "
         f"{HEADER_FIELD_SIZE_LIMIT} bytes.",
    500: "The server failed to handle the request.",
    408: "The request was not sent completely in the time the server allows.",
    501: "The request uses a transfer coding this server does not take.",
    503: "The request took longer than the server allows, and was stopped. Nothing more was done for it.",
}


def problem_response(status: int, detail: str | None = None) -> bytes:
    """A complete HTTP/1.1 response carrying a problem, closing the connection."""
    phrase = HTTPStatus(status).phrase
    body = json.dumps({
        "type": "about:blank", "title": phrase, "status": status,
        "detail": detail or _DETAILS.get(status, phrase + "."),
    }).encode("utf-8")
    head = (f"HTTP/1.1 {status} {phrase}\r\nConnection: close\r\nContent-Type: {PROBLEM_JSON}\r\n"
            f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class _ProblemSocket:
    """The client's socket, with gunicorn's HTML error page replaced by the same status as a problem."""

    def __init__(self, client: socket.socket):
        self._client = client

    def sendall(self, data: bytes) -> None:
        status = _status_of(data)
        self._client.sendall(problem_response(status) if status else data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _status_of(data: bytes) -> int | None:
    """The status of a response gunicorn wrote itself (``HTTP/1.1 414 ...``), or None."""
    line = data.split(b"\r\n", 1)[0].split(b" ")
    if len(line) >= 2 and line[0] == b"HTTP/1.1" and line[1].isdigit() and b"text/html" in data[:512]:
        return int(line[1])
    return None


class ProblemWorker(SyncWorker):  # type: ignore[misc]
    """gunicorn's sync worker, answering its own errors and its timeouts as problem+json."""

    _client: socket.socket | None = None

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _ProblemSocket(client), addr, exc)

    def handle(self, listener: Any, client: socket.socket, addr: Any) -> None:
        self._client = client
        try:
            super().handle(listener, client, addr)
        finally:
            self._client = None

    def handle_abort(self, sig: int, frame: Any) -> None:
        # The arbiter stops a worker that overran its timeout with SIGABRT: answer first.
        client, self._client = self._client, None
        if client is not None:
            try:
                client.setblocking(True)
                client.settimeout(1.0)
                client.sendall(problem_response(503, _DETAILS[503]))
                # Nothing after it: the error page gunicorn would write as the worker exits fails.
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        super().handle_abort(sig, frame)
