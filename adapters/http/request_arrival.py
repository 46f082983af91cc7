"""Whether the bytes a client has sent so far hold a whole HTTP/1.1 request.

The buffering worker reads requests without blocking and hands a connection to the
(synchronous) request handling only once this says its request has arrived. The judgement is
deliberately shallow: it finds the end of the head, reads ``Content-Length`` or follows the
chunked framing of ``Transfer-Encoding: chunked``, and nothing more. Whatever it cannot make
sense of (two differing lengths, a bad chunk size, an unknown coding, a head over the limits)
counts as arrived, so that gunicorn's own parser refuses it with the usual 400, 414, 431 or 501
problem instead of the connection waiting for bytes that would not help. A body declared larger
than the limit has arrived too: the application refuses it with 413 without reading it.
"""

from __future__ import annotations

from dataclasses import dataclass

HEAD_END = b"\r\n\r\n"
_LINE_END = b"\r\n"
_CHUNK_SIZE_LINE_LIMIT = 1024  # a size line longer than this is no size line gunicorn accepts


@dataclass(frozen=True)
class RequestLimits:
    """How much a request may be: the request line, the header section, and the body."""

    request_line: int
    head: int
    body: int


@dataclass(frozen=True)
class Arrival:
    """What has come of a request so far."""

    complete: bool
    head_complete: bool = False
    expects_continue: bool = False  # the client waits for ``100 Continue`` before its body


WAITING = Arrival(complete=False)
ARRIVED = Arrival(complete=True, head_complete=True)


def arrival(data: bytes, limits: RequestLimits) -> Arrival:
    """Whether ``data``, all a client has sent so far, is a whole request (or cannot become one)."""
    end = data.find(HEAD_END)
    if end < 0:
        too_long = (data.find(_LINE_END) < 0 and len(data) > limits.request_line + 2) or len(data) > limits.head
        return ARRIVED if too_long else WAITING
    lines = data[:end].split(_LINE_END)
    fields: dict[bytes, list[bytes]] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            return ARRIVED  # not a header field: gunicorn answers 400
        fields.setdefault(name.strip().lower(), []).append(value.strip())
    body = data[end + len(HEAD_END):]
    complete = _body_complete(fields, body, limits.body)
    expects = (not complete and lines[0].endswith(b"HTTP/1.1")
               and [value.lower() for value in fields.get(b"expect", [])] == [b"100-continue"])
    return Arrival(complete=complete, head_complete=True, expects_continue=expects)


def _body_complete(fields: dict[bytes, list[bytes]], body: bytes, limit: int) -> bool:
    codings = b",".join(fields.get(b"transfer-encoding", []))
    if codings:
        last = codings.split(b",")[-1].strip().lower()
        return _chunked_complete(body, limit) if last == b"chunked" else True
    lengths = set(fields.get(b"content-length", []))
    if not lengths:
        return True  # no body
    if len(lengths) != 1:
        return True  # gunicorn refuses differing lengths
    text = lengths.pop()
    if not text.isdigit():
        return True
    length = int(text)
    return length > limit or len(body) >= length


def _chunked_complete(body: bytes, limit: int) -> bool:
    """Whether a chunked body has reached its last chunk and trailers, or has exceeded ``limit``."""
    position = received = 0
    while True:
        line_end = body.find(_LINE_END, position)
        if line_end < 0:
            return len(body) - position > _CHUNK_SIZE_LINE_LIMIT
        size_text = body[position:line_end].split(b";", 1)[0].strip()
        if not size_text or any(byte not in b"0123456789abcdefABCDEF" for byte in size_text):
            return True  # gunicorn refuses the framing
        size = int(size_text, 16)
        if size == 0:
            # The trailer section ends with an empty line: right away, or after trailer fields.
            return body.find(HEAD_END, line_end) >= 0
        received += size
        if received > limit:
            return True  # the application refuses it with 413
        position = line_end + 2 + size + 2
        if position > len(body):
            return False
