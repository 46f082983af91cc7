"""The web pages timed in one process, without HTTP or gunicorn: where a page's time goes.

``bench/pages.py`` times the pages through a real server, where the machine's load and the
network stack blur small differences. This runs the same three pages and the same bare
authenticated GET (``/api/v1/policy/rules``) through Flask's test client in one process, one
after the other, and reports medians and the ratio of each page to the bare GET; with
``--profile`` it writes a pyinstrument profile of each page (text) to the folder given.

    python -m bench.pages_in_process --cases 3000 --requests 50
    python -m bench.pages_in_process --database-url postgresql+psycopg://… --profile /tmp/profiles
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.composition import close_case_service
from adapters.config import Settings
from adapters.http.observability import REQUEST_LOGGER
from adapters.web.app import create_app
from bench.seed import seed_cases, seed_long_case, seed_short_case
from domain.values import Role

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(app: Any, user_id: str) -> Any:
    client = app.test_client()
    secret = app.extensions["breachtrail.sign_ins"].issue_link(user_id)
    page = client.get(f"/login/{secret}")
    found = CSRF.search(page.text)
    assert found is not None, "no CSRF token on the sign-in page"
    answer = client.post(f"/login/{secret}", data={"csrf_token": found.group(1)})
    assert answer.status_code == 302, answer.text
    return client


def _medians_ms(routes: dict[str, Callable[[], Any]], requests: int) -> dict[str, float]:
    """Each route's median, the routes taken in turn so that the machine's mood reaches them all."""
    times: dict[str, list[float]] = {name: [] for name in routes}
    for round_number in range(requests + 3):
        for name, call in routes.items():
            started = time.perf_counter()
            call()
            if round_number >= 3:  # warm-up
                times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(taken) for name, taken in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--profile", type=Path, default=None, help="folder for pyinstrument profiles")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{folder}/pages.db"
    app = create_app({"SETTINGS": Settings(database_url=url, master_key=os.urandom(32), key_dir=Path(folder))})
    service = app.extensions["breachtrail.cases"]
    users = app.extensions["breachtrail.users"]
    token = users.add("bench-hr", Role.HR, [])
    short = seed_short_case(service)
    long_case = seed_long_case(service, args.notes, kind="notes")
    seed_cases(service, args.cases, seed=args.cases)
    logging.getLogger(REQUEST_LOGGER).setLevel(logging.WARNING)  # no request log lines between the figures
    client = _signed_in(app, "bench-hr")
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}

    def get(client: Any, path: str, **kwargs: Any) -> Callable[[], Any]:
        def call() -> Any:
            answer = client.get(path, **kwargs)
            assert answer.status_code == 200, (path, answer.status_code)
            return answer
        return call

    routes = {
        "bare GET /api/v1/policy/rules": get(api, "/api/v1/policy/rules", headers=bearer),
        "/sager": get(client, "/sager"),
        "/sager/<id>, 1 event": get(client, f"/sager/{short}"),
        f"/sager/<id>, {args.notes} notes": get(client, f"/sager/{long_case}"),
    }
    medians = _medians_ms(routes, args.requests)
    bare = medians["bare GET /api/v1/policy/rules"]
    print(f"{url.split(':')[0]}, {args.cases} cases, medians over {args.requests} requests")
    for name, median in medians.items():
        print(f"  {name:40s} {median:8.2f} ms  {median / bare:6.1f}×")
    if args.profile is not None:
        from pyinstrument import Profiler

        args.profile.mkdir(parents=True, exist_ok=True)
        for name, call in list(routes.items())[1:]:
            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(10):
                    call()
            target = args.profile / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".txt")
            target.write_text(profiler.output_text(unicode=True, show_all=False))
            print(f"  profile: {target}")
    close_case_service(service)


if __name__ == "__main__":
    main()
