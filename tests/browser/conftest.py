"""Browser tests: Chromium through Playwright against the app served on a loopback port.

Without chromium they are skipped with a clear message, except under CI=true, where that fails.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from adapters.composition import build_user_administration, close_case_service
from adapters.config import Settings
from adapters.web.app import create_app
from domain.values import Role

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "chromium is not installed: apt-get install -y chromium chromium-driver"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    return path


@pytest.fixture
def live_app(database_url: str, key_dir: Path) -> Iterator[tuple[str, object]]:
    app = create_app({"SETTINGS": Settings(database_url=database_url, master_key=os.urandom(32), key_dir=key_dir)})
    users = app.extensions["breachtrail.users"]
    users.add("mette", Role.MANAGER, ["tandplejen"])
    users.add("henrik", Role.HR, [])
    users.add("rikke", Role.REP, [])
    build_user_administration(app.extensions["breachtrail.cases"], users).record_existing_grants()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        close_case_service(app.extensions["breachtrail.cases"])


@pytest.fixture
def chromium() -> Iterator[object]:
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
