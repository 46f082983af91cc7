"""When a request counts as arrived: the worker waits for exactly the bytes gunicorn will read, and
never for bytes that could not make a refused request acceptable."""

from __future__ import annotations

from adapters.http.request_arrival import RequestLimits, arrival

LIMITS = RequestLimits(request_line=100, head=1000, body=50)
HEAD = b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\n"


def test_a_head_without_its_empty_line_has_not_arrived() -> None:
    assert not arrival(b"GET /healthz HTTP/1.1\r\nHost: x\r\n", LIMITS).complete
    assert not arrival(b"GET /heal", LIMITS).complete


def test_a_head_without_a_body_has_arrived() -> None:
    got = arrival(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", LIMITS)
    assert got.complete and got.head_complete


def test_a_body_of_known_length_arrives_with_its_last_byte() -> None:
    head = HEAD + b"Content-Length: 10\r\n\r\n"
    assert not arrival(head + b"123456789", LIMITS).complete
    assert arrival(head + b"123456789", LIMITS).head_complete
    assert arrival(head + b"1234567890", LIMITS).complete


def test_a_chunked_body_arrives_with_its_last_chunk_and_trailers() -> None:
    head = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    assert not arrival(head + b"5\r\nhello\r\n", LIMITS).complete
    assert not arrival(head + b"5\r\nhello\r\n0\r\n", LIMITS).complete
    assert arrival(head + b"5\r\nhello\r\n0\r\n\r\n", LIMITS).complete
    assert not arrival(head + b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n", LIMITS).complete
    assert arrival(head + b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n", LIMITS).complete


def test_what_gunicorn_or_the_application_refuses_anyway_is_not_waited_for() -> None:
    assert arrival(b"GET /" + b"a" * 200, LIMITS).complete  # request line over the limit: 414
    assert arrival(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200, LIMITS).complete  # head over the limit: 431
    assert arrival(HEAD + b"Content-Length: 51\r\n\r\n", LIMITS).complete  # body over the limit: 413
    assert arrival(HEAD + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n", LIMITS).complete  # 400
    assert arrival(HEAD + b"Content-Length: -5\r\n\r\n", LIMITS).complete
    assert arrival(HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", LIMITS).complete
    assert arrival(HEAD + b"Transfer-Encoding: gzip\r\n\r\n", LIMITS).complete  # 501
    assert arrival(HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"1\r\nx\r\n" * 51, LIMITS).complete
    assert arrival(HEAD + b"no colon here\r\n\r\n", LIMITS).complete


def test_a_client_that_expects_100_continue_is_told_to_go_on_only_while_its_body_is_missing() -> None:
    head = HEAD + b"Content-Length: 3\r\nExpect: 100-continue\r\n\r\n"
    assert arrival(head, LIMITS).expects_continue
    assert not arrival(head + b"abc", LIMITS).expects_continue
    assert not arrival(head.replace(b"HTTP/1.1", b"HTTP/1.0"), LIMITS).expects_continue
