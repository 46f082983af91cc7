"""Talking to the server under test: one-off requests, and loads sent from a separate process."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

from bench.servers import ROOT


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def request(method: str, path: str, *, body: Any = None, token: str | None = None) -> dict[str, Any]:
    """A load entry: what the load generator sends."""
    return {"method": method, "path": path, "body": body, "headers": auth(token) if token else {}}


def case_body(unit: str = "tandplejen") -> dict[str, Any]:
    """A new case as a manager reports it."""
    return {
        "unit": unit,
        "employee": {"ref": "E-1042", "name": "Jane Doe"},
        "occurred_on": (date.today() - timedelta(days=30)).isoformat(),
        "rules": ["4.1", "6.1"],
        "channel": "snapchat",
        "description": "Delte billeder fra personalerummet i en lukket gruppe uden at spørge kollegerne først.",
    }


def send(
    port: int, method: str, path: str, *, body: Any = None, token: str | None = None
) -> tuple[int, Any, dict[str, str]]:
    """One request; the status, the decoded body and the headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Accept": "application/json", **(auth(token) if token else {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None, dict(response.getheaders())
    finally:
        connection.close()


def _spec(port: int, requests: list[dict[str, Any]], *, threads: int, duration: float, warmup: int = 0,
          max_requests: int = 1_000_000, record_acknowledged: bool = False) -> dict[str, Any]:
    return {
        "host": "127.0.0.1", "port": port, "requests": requests, "threads": threads, "duration": duration,
        "warmup": warmup, "max_requests": max_requests, "record_acknowledged": record_acknowledged,
    }


def _run(spec: dict[str, Any], timeout: float) -> Any:
    finished = subprocess.run(
        [sys.executable, "-m", "bench.load"], input=json.dumps(spec), capture_output=True, text=True,
        cwd=ROOT, timeout=timeout, check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{finished.stderr[-2000:]}")
    return json.loads(finished.stdout)


def load(port: int, requests: list[dict[str, Any]], *, threads: int, duration: float, warmup: int = 0,
         max_requests: int = 1_000_000, record_acknowledged: bool = False) -> dict[str, Any]:
    """Run ``bench.load`` in a process of its own against the server on ``port``; its summary."""
    spec = _spec(port, requests, threads=threads, duration=duration, warmup=warmup, max_requests=max_requests,
                 record_acknowledged=record_acknowledged)
    result: dict[str, Any] = _run(spec, duration + 180)
    return result


def load_each(port: int, entries: dict[str, dict[str, Any]], *, duration: float, warmup: int) -> dict[str, Any]:
    """Each entry alone from one client thread, one after the other, in one load-generator process."""
    specs = [_spec(port, [entry], threads=1, duration=duration, warmup=warmup) for entry in entries.values()]
    results = _run({"loads": specs}, len(specs) * (duration + 180))
    return dict(zip(entries, results, strict=True))
