"""A gunicorn worker that reads whole requests before it handles one, so slow clients wait alone.

gunicorn's sync worker reads a request on the connection it has just accepted, blocking, until
the head (and later the body) is in. Two clients that open a connection, send half a request
line and stall held both workers of a default installation until gunicorn's timeout (30 s):
everyone else waited. A buffering proxy in front (deploy/nginx) prevents that, but the service
should not fall over without one.

``BufferingWorker`` keeps what makes the sync worker right for this service (one request at a
time per process, no threads: the application is not written for them, and more threads made
writes to PostgreSQL slower) and changes only how requests arrive. Its main loop accepts
connections and reads from all of them at once with a selector, without blocking, each with a
deadline (``BREACHTRAIL_REQUEST_READ_TIMEOUT`` seconds for the head, and as long again for the
body). Only a connection whose request has arrived whole (``request_arrival``) is handed to
gunicorn's ordinary synchronous handling, its bytes replayed to gunicorn's parser, so parsing,
limits (414, 431, 400 as problem+json, from ``ProblemWorker``), the access log and the request
timeout (503) are gunicorn's as before. A connection that has not sent its whole request in time
is answered 408 as a problem and closed; one that sent nothing is closed without a word.

Why not gunicorn's ``gthread`` worker: it reads the head in the thread that then runs the
request, so a slow client still holds a thread, and with one thread a worker; more threads
bring the concurrency the application is not audited for. Why not an asynchronous server: the
application is WSGI and synchronous throughout.

Limits, stated rather than hidden: a worker holds at most gunicorn's ``worker_connections``
(default 1,000) unfinished connections and leaves further ones waiting in the listen queue, so
a flood of connections can still delay others; bodies are buffered up to the service's 64 KiB
(a larger one is refused with 413 unread); keep-alive stays off as in the sync worker (every
response closes its connection), and the lingering close after a response, in which unread
request bytes are drained so the client gets the whole response, happens in the loop rather
than blocking it. Responses are written blocking, as before, but within a deadline: a client
that does not take its whole response within ``BREACHTRAIL_RESPONSE_WRITE_TIMEOUT`` seconds
(most responses fit in the kernel's buffers and never wait; a large one can) has its connection
reset, instead of holding the worker until gunicorn's timeout kills it with every connection it
was reading. TLS terminated by gunicorn itself is read the old, blocking way. So the reverse
proxy's buffering stays the advice for production.
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import struct
import time
from collections import deque
from contextlib import suppress
from typing import Any, cast

from gunicorn import util

from adapters.config import request_read_timeout, response_write_timeout
from adapters.http.request_arrival import RequestLimits, arrival
from adapters.http.server_errors import (
    HEADER_FIELD_SIZE_LIMIT,
    HEADER_FIELDS_LIMIT,
    MAX_BODY_BYTES,
    REQUEST_LINE_LIMIT,
    ProblemWorker,
    problem_response,
)

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
LINGER_SECONDS = 2.0  # as long as gunicorn's own graceful close waits for the client's end
_RECEIVE_BYTES = 65536
_FILE_CHUNK_BYTES = 65536
_WAKE, _LISTEN, _LINGER = "wake", "listen", "linger"
_OUT_OF_RESOURCES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class _ArrivingRequest:
    """A connection whose request is still arriving: its bytes so far and its deadline."""

    def __init__(self, client: socket.socket, addr: Any, listener: socket.socket, deadline: float):
        self.client = client
        self.addr = addr
        self.listener = listener
        self.deadline = deadline
        self.data = bytearray()
        self.head_complete = False
        self.continued = False  # ``100 Continue`` already sent


class _ArrivedClient:
    """The client's socket as gunicorn's request handling sees it: the request already read
    comes first, the close is left to the worker's loop."""

    def __init__(self, client: socket.socket, data: bytes, read_timeout: float, write_timeout: float, *,
                 continued: bool):
        self._client = client
        self._data = data
        self._offset = 0
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._write_deadline: float | None = None  # set by the first write of the response
        self._continued = continued
        self.shut = False  # the response is complete and the write side closed
        self.abandoned = False  # the client did not take its response in time

    def recv(self, size: int, flags: int = 0) -> bytes:
        if self._offset < len(self._data):
            chunk = self._data[self._offset:self._offset + size]
            self._offset += len(chunk)
            return chunk
        if self.shut:
            return b""  # what remains is drained in the worker's loop, not here
        # Past the request already read (rare: an oversize head or body is refused from what
        # arrived): the same deadline, per read, so nothing waits for a client for long.
        self._client.settimeout(self._read_timeout)
        try:
            return self._client.recv(size, flags)
        finally:
            self._client.settimeout(None)

    def send(self, data: bytes, flags: int = 0) -> int:
        if self._continued and bytes(data) == CONTINUE:
            self._continued = False  # already sent while the body arrived
            return len(data)
        self._client.settimeout(self._time_left_to_write())
        try:
            return self._client.send(data, flags)
        except TimeoutError:
            raise self._abandon() from None
        finally:
            self._client.settimeout(None)

    def sendall(self, data: bytes, flags: int = 0) -> None:
        if self._continued and bytes(data) == CONTINUE:
            self._continued = False
            return
        # A socket's timeout bounds the whole of one ``sendall``, not each wait within it.
        self._client.settimeout(self._time_left_to_write())
        try:
            self._client.sendall(data, flags)
        except TimeoutError:
            raise self._abandon() from None
        finally:
            self._client.settimeout(None)

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        """The file through ``sendall``, within the deadline (``socket.sendfile``'s timeout is per wait)."""
        file.seek(offset)
        sent = 0
        while count is None or sent < count:
            chunk = file.read(_FILE_CHUNK_BYTES if count is None else min(_FILE_CHUNK_BYTES, count - sent))
            if not chunk:
                break
            self.sendall(chunk)
            sent += len(chunk)
        return sent

    def _time_left_to_write(self) -> float:
        now = time.monotonic()
        if self._write_deadline is None:
            self._write_deadline = now + self._write_timeout
        if now >= self._write_deadline:
            raise self._abandon()
        return self._write_deadline - now

    def _abandon(self) -> OSError:
        self.abandoned = True
        # gunicorn drops a broken pipe quietly; the worker's loop logs the reset and closes.
        return OSError(errno.EPIPE, f"the response was not taken within {self._write_timeout:g} seconds")

    def shutdown(self, how: int) -> None:
        if self.abandoned:
            raise OSError(errno.EPIPE, "abandoned")  # no graceful close: the connection is reset
        self._client.shutdown(how)
        if how != socket.SHUT_RD:
            self.shut = True

    def settimeout(self, value: float | None) -> None:
        if not self.shut:
            self._client.settimeout(value)

    def close(self) -> None:
        """Left to the worker: it closes the socket, after lingering if the write side is shut."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class BufferingWorker(ProblemWorker):
    """gunicorn's sync worker, handing it only connections whose whole request has arrived."""

    _leaving_now = False  # aborted or told to quit: serve nothing more, not even what has arrived

    def handle_abort(self, sig: int, frame: Any) -> None:
        self._leaving_now = True
        super().handle_abort(sig, frame)

    def handle_quit(self, sig: int, frame: Any) -> None:
        self._leaving_now = True
        super().handle_quit(sig, frame)

    def run(self) -> None:
        if self.cfg.is_ssl:
            self.log.warning("gunicorn terminates TLS itself: requests are read blocking, "
                             "and a slow client holds a worker")
            super().run()
            return
        self._read_timeout = float(request_read_timeout(os.environ))
        self._write_timeout = float(response_write_timeout(os.environ))
        self._limits = request_limits(self.cfg)
        self._selector = selectors.DefaultSelector()
        self._arriving: dict[socket.socket, _ArrivingRequest] = {}
        self._arrived: deque[_ArrivingRequest] = deque()
        self._lingering: dict[socket.socket, float] = {}
        self._listening = False
        self._accept_paused_until = 0.0
        self._selector.register(self.PIPE[0], selectors.EVENT_READ, _WAKE)
        for listener in self.sockets:
            listener.setblocking(False)
        try:
            self._loop()
        finally:
            for client in [*self._arriving, *(request.client for request in self._arrived), *self._lingering]:
                client.close()
            self._selector.close()

    def _loop(self) -> None:
        # After a graceful stop no connection is accepted, but requests already arriving are served.
        while not self._leaving_now and (self.alive or self._arriving or self._arrived):
            self.notify()
            if not self.is_parent_alive():
                return
            self._listen(self.alive and self._connections() < self.cfg.worker_connections
                         and time.monotonic() >= self._accept_paused_until)
            for key, _ in self._selector.select(self._wait()):
                if key.data is _WAKE:
                    _drain_pipe(self.PIPE[0])
                elif key.data is _LISTEN:
                    self._accept(key.fileobj)  # type: ignore[arg-type]
                elif key.data is _LINGER:
                    self._drain(key.fileobj)  # type: ignore[arg-type]
                else:
                    self._read(key.data)
            self._expire(time.monotonic())
            if self._arrived:
                self._serve(self._arrived.popleft())

    def _connections(self) -> int:
        return len(self._arriving) + len(self._arrived) + len(self._lingering)

    def _listen(self, on: bool) -> None:
        if on != self._listening:
            for listener in self.sockets:
                if on:
                    self._selector.register(listener, selectors.EVENT_READ, _LISTEN)
                else:
                    self._selector.unregister(listener)
            self._listening = on

    def _wait(self) -> float:
        if self._arrived:
            return 0.0
        longest = self.timeout or 0.5  # the arbiter must hear from the worker within its timeout
        deadlines = [request.deadline for request in self._arriving.values()] + list(self._lingering.values())
        if self._accept_paused_until > time.monotonic():
            deadlines.append(self._accept_paused_until)
        if not deadlines:
            return longest
        return max(0.0, min(longest, min(deadlines) - time.monotonic()))

    def _accept(self, listener: socket.socket) -> None:
        while self._connections() < self.cfg.worker_connections:
            try:
                client, addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno == errno.ECONNABORTED:
                    continue
                if error.errno in _OUT_OF_RESOURCES:
                    # Leave the rest in the listen queue (or to another worker) for a moment.
                    self.log.warning("cannot accept connections now: %s", error)
                    self._accept_paused_until = time.monotonic() + 0.1
                    self._listen(False)
                    return
                raise
            client.setblocking(False)
            util.close_on_exec(client)
            request = _ArrivingRequest(client, addr, listener, time.monotonic() + self._read_timeout)
            self._arriving[client] = request
            self._selector.register(client, selectors.EVENT_READ, request)
            self._read(request)  # on loopback the request often came with the connection

    def _read(self, request: _ArrivingRequest) -> None:
        try:
            chunk = request.client.recv(_RECEIVE_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:  # the client went away before its request was whole
            self._forget(request)
            request.client.close()
            return
        request.data += chunk
        got = arrival(bytes(request.data), self._limits)
        if got.complete:
            self._forget(request)
            self._arrived.append(request)
            return
        if got.head_complete and not request.head_complete:
            request.head_complete = True
            request.deadline = time.monotonic() + self._read_timeout  # as long again for the body
        if got.expects_continue and not request.continued:
            request.continued = True
            with suppress(OSError):  # a failed send shows on the next read
                request.client.send(CONTINUE)

    def _forget(self, request: _ArrivingRequest) -> None:
        del self._arriving[request.client]
        self._selector.unregister(request.client)

    def _expire(self, now: float) -> None:
        for request in [request for request in self._arriving.values() if request.deadline <= now]:
            self._forget(request)
            if not request.data:
                request.client.close()  # an idle connection: nothing to answer
                continue
            self.log.info("%s did not send its whole request within %g s: answered 408",
                          _peer(request.addr), self._read_timeout)
            try:
                request.client.send(problem_response(408, _late_detail(self._read_timeout)))
            except OSError:
                request.client.close()
                continue
            self._linger(request.client, shut=False)
        for client in [client for client, deadline in self._lingering.items() if deadline <= now]:
            del self._lingering[client]
            self._selector.unregister(client)
            client.close()

    def _serve(self, request: _ArrivingRequest) -> None:
        client = request.client
        client.setblocking(True)
        arrived = _ArrivedClient(client, bytes(request.data), self._read_timeout, self._write_timeout,
                                 continued=request.continued)
        self.handle(request.listener, cast(socket.socket, arrived), request.addr)  # a socket to gunicorn
        if arrived.abandoned:
            self.log.warning("reset the connection from %s: it did not take its response within %g seconds",
                             _peer(request.addr), self._write_timeout)
            with suppress(OSError):  # reset, so the kernel keeps no unsent response for it either
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
        elif arrived.shut:
            self._linger(client, shut=True)
        else:
            client.close()

    def _linger(self, client: socket.socket, *, shut: bool) -> None:
        """Close the write side, then read until the client closes too (or a short while passes):
        closing with unread bytes would reset the connection and could cut off the response."""
        try:
            if not shut:
                client.shutdown(socket.SHUT_WR)
            client.setblocking(False)
        except OSError:
            client.close()
            return
        self._lingering[client] = time.monotonic() + LINGER_SECONDS
        self._selector.register(client, selectors.EVENT_READ, _LINGER)

    def _drain(self, client: socket.socket) -> None:
        try:
            if client.recv(_RECEIVE_BYTES):
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        del self._lingering[client]
        self._selector.unregister(client)
        client.close()


def request_limits(cfg: Any) -> RequestLimits:
    """The most a request may be under gunicorn's settings ``cfg`` (0 there means its default)."""
    line = cfg.limit_request_line or REQUEST_LINE_LIMIT
    fields = cfg.limit_request_fields or HEADER_FIELDS_LIMIT
    field_size = cfg.limit_request_field_size or HEADER_FIELD_SIZE_LIMIT
    return RequestLimits(request_line=line, head=line + 2 + fields * (field_size + 2) + 2, body=MAX_BODY_BYTES)


def _late_detail(seconds: float) -> str:
    return f"The request was not sent completely within {seconds:g} seconds; send it again, whole."


def _peer(addr: Any) -> str:
    return f"{addr[0]}:{addr[1]}" if isinstance(addr, tuple) and len(addr) >= 2 else str(addr)


def _drain_pipe(pipe: int) -> None:
    with suppress(BlockingIOError, InterruptedError):
        while os.read(pipe, 4096):
            pass
