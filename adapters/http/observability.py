"""Prometheus metrics at ``/metrics`` and one structured JSON log line per request.

Metrics are labelled by route *template* (``/api/v1/cases/{case_id}``), never the path a client
sent, so neither a case id nor a query string becomes a label or a log field. The log line holds
the request id, the caller's user id, method, route template, status and duration: no names,
no tokens, no bodies, no query strings.

``/metrics`` is served only when ``BREACHTRAIL_METRICS_TOKEN`` is set, to a caller sending it as a
bearer token; otherwise it answers 404. Under gunicorn each worker counts its own requests: set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder writable by the service (emptied at every start)
and any worker answers for all of them.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from adapters.composition import operational_figures
from adapters.http.context import case_service
from adapters.http.problems import problem
from adapters.http.request_ids import current_request_id

REQUEST_LOGGER = "breachtrail.requests"
request_log = logging.getLogger(REQUEST_LOGGER)

REQUESTS = Counter("breachtrail_http_requests_total", "HTTP requests answered, by route template and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("breachtrail_http_request_duration_seconds", "Time to answer a request, by route template.",
                    ["method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def _route() -> str:
    """The matched route's template in OpenAPI style; ``unmatched`` for a path no route knows."""
    rule = request.url_rule
    if rule is None:
        return "unmatched"
    return rule.rule.replace("<", "{").replace(">", "}").replace("{uuid:", "{").replace("{int:", "{")


def _json_line(status: int, seconds: float) -> str:
    user = getattr(g.get("user"), "id", None)
    return json.dumps({
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": "request",
        "request_id": current_request_id(), "user": user, "method": request.method, "route": _route(),
        "status": status, "duration_ms": round(seconds * 1000, 1),
    }, separators=(",", ":"))


def metrics() -> Response:
    """The metrics text, for a caller with the metrics token."""
    token = current_app.config["SETTINGS"].metrics_token
    if token is None:
        return problem(404, "The requested URL was not found on the server.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return problem(401, "Send the metrics token as 'Authorization: Bearer <BREACHTRAIL_METRICS_TOKEN>'.",
                       headers={"WWW-Authenticate": 'Bearer realm="breachtrail-metrics"'})
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest()
    figures = CollectorRegistry()
    descriptions = {"events_stored": "Events in the event store.",
                    "projection_lag": "Events the read side is behind the log.",
                    "cases_erased": "Cases whose personal data has been erased."}
    try:
        values = operational_figures(case_service())
        up = 1
    except Exception:
        values, up = {}, 0
    Gauge("breachtrail_database_up", "1 when the database answered this scrape.", registry=figures).set(up)
    for name, value in values.items():
        Gauge(f"breachtrail_{name}", descriptions[name], registry=figures).set(value)
    response = Response(body + generate_latest(figures), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_observability(app: Flask) -> None:
    """Count, time and log every request; serve ``/metrics`` (outside the API document)."""
    if not request_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        request_log.propagate = False

    @app.before_request
    def start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def count_and_log(response: Response) -> Response:
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        route = _route()
        if route != "/metrics":
            REQUESTS.labels(request.method, route, str(response.status_code)).inc()
            LATENCY.labels(request.method, route).observe(seconds)
        request_log.info(_json_line(response.status_code, seconds))
        return response

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
