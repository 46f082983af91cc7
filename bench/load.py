"""A small, bounded HTTP load generator, run as a process of its own.

    python -m bench.load < spec.json > result.json

(or several specs, ``{"loads": [...]}``, run one after the other: one process for a series of reads)

The spec names the server, the requests to cycle through, how many client threads send
them and for how long (or how many in all). Each thread keeps its own connection (HTTP/1.1
keep-alive where the server allows it; gunicorn's sync workers close after every response,
so the client reconnects as any client would). The result is JSON: counts by status,
latency percentiles, requests per second and, when asked, what each acknowledged request
answered (for checking afterwards that nothing acknowledged was lost).
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

#: A request that takes longer than this counts as failed (the server is overloaded).
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadSpec:
    host: str
    port: int
    requests: list[Request]
    threads: int = 1
    duration: float = 5.0  # seconds; the load stops at this or at max_requests, whichever comes first
    max_requests: int = 1_000_000
    warmup: int = 0  # requests sent (and not counted) before the clock starts
    record_acknowledged: bool = False  # keep (path, status, Location, ETag) of every 2xx answer

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadSpec:
        requests = [
            Request(
                r["method"], r["path"],
                None if r.get("body") is None else json.dumps(r["body"]).encode(),
                dict(r.get("headers", {})),
            )
            for r in data["requests"]
        ]
        if not requests:
            raise ValueError("a load needs at least one request")
        if data.get("host") not in {"127.0.0.1", "localhost", "::1"}:
            raise ValueError("loads are only sent to the loopback interface")
        return cls(
            host=data["host"], port=int(data["port"]), requests=requests,
            threads=int(data.get("threads", 1)), duration=float(data.get("duration", 5.0)),
            max_requests=int(data.get("max_requests", 1_000_000)), warmup=int(data.get("warmup", 0)),
            record_acknowledged=bool(data.get("record_acknowledged", False)),
        )


class _Counter:
    """Hands out request numbers until the budget or the deadline is reached."""

    def __init__(self, limit: int):
        self._next = 0
        self._limit = limit
        self._lock = threading.Lock()
        self.deadline = float("inf")

    def take(self) -> int | None:
        if time.monotonic() >= self.deadline:
            return None
        with self._lock:
            if self._next >= self._limit:
                return None
            number = self._next
            self._next += 1
            return number


@dataclass
class _ThreadResult:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    acknowledged: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _send(connection: http.client.HTTPConnection, request: Request) -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept": "application/json", **request.headers}
    if request.body is not None:
        headers["Content-Type"] = "application/json"
    connection.request(request.method, request.path, body=request.body, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.will_close:
        connection.close()  # reconnects on the next request
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def _worker(spec: LoadSpec, counter: _Counter, offset: int, result: _ThreadResult, count: bool) -> None:
    connection = http.client.HTTPConnection(spec.host, spec.port, timeout=REQUEST_TIMEOUT)
    try:
        while (number := counter.take()) is not None:
            request = spec.requests[(number + offset) % len(spec.requests)]
            started = time.perf_counter()
            try:
                status, headers, _ = _send(connection, request)
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                key = type(error).__name__
                result.statuses[key] = result.statuses.get(key, 0) + 1
                if len(result.errors) < 5:
                    result.errors.append(f"{request.method} {request.path}: {error!r}")
                continue
            elapsed = time.perf_counter() - started
            if not count:
                continue
            result.latencies.append(elapsed)
            result.statuses[str(status)] = result.statuses.get(str(status), 0) + 1
            if spec.record_acknowledged and 200 <= status < 300:
                result.acknowledged.append(
                    {"method": request.method, "path": request.path, "status": status,
                     "location": headers.get("location"), "etag": headers.get("etag")}
                )
    finally:
        connection.close()


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run_load(spec: LoadSpec) -> dict[str, Any]:
    """Send the load and summarise it."""
    if spec.warmup:
        warm = _Counter(spec.warmup)
        _run_threads(spec, warm, count=False, threads=min(spec.threads, spec.warmup))
    counter = _Counter(spec.max_requests)
    started = time.monotonic()
    counter.deadline = started + spec.duration
    results = _run_threads(spec, counter, count=True, threads=spec.threads)
    elapsed = time.monotonic() - started
    latencies = sorted(x for r in results for x in r.latencies)
    statuses: dict[str, int] = {}
    for r in results:
        for key, value in r.statuses.items():
            statuses[key] = statuses.get(key, 0) + value
    ok = sum(v for k, v in statuses.items() if k.isdigit() and 200 <= int(k) < 300)
    return {
        "requests": sum(statuses.values()),
        "ok": ok,
        "statuses": statuses,
        "seconds": elapsed,
        "ok_per_second": ok / elapsed if elapsed > 0 else 0.0,
        "latency_ms": {
            "median": 1000 * _percentile(latencies, 0.5),
            "p90": 1000 * _percentile(latencies, 0.9),
            "p99": 1000 * _percentile(latencies, 0.99),
            "mean": 1000 * (sum(latencies) / len(latencies)) if latencies else float("nan"),
        },
        "errors": [e for r in results for e in r.errors][:10],
        "acknowledged": [a for r in results for a in r.acknowledged] if spec.record_acknowledged else [],
    }


def _run_threads(spec: LoadSpec, counter: _Counter, *, count: bool, threads: int) -> list[_ThreadResult]:
    results = [_ThreadResult() for _ in range(threads)]
    workers = [
        threading.Thread(target=_worker, args=(spec, counter, index, results[index], count), daemon=True)
        for index in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        # Bounded: every request has its own timeout, and the counter stops at the deadline.
        worker.join(spec.duration + 2 * REQUEST_TIMEOUT + 5)
    return results


def main() -> None:
    """One spec, or ``{"loads": [spec, ...]}``: several loads one after the other, answered as a list."""
    data = json.load(sys.stdin)
    if "loads" in data:
        json.dump([run_load(LoadSpec.from_json(spec)) for spec in data["loads"]], sys.stdout)
    else:
        json.dump(run_load(LoadSpec.from_json(data)), sys.stdout)


if __name__ == "__main__":
    main()
