"""``make screenshots``: PNGs of the main pages (manager list, case page, HR timeline, rep dashboard)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from adapters.composition import close_case_service
from adapters.config import Settings
from adapters.web.app import create_app
from domain.values import Channel, Role, Severity
from service.users import User
from tests.browser.conftest import CHROMIUM_ARGS


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp()
    app = create_app({"SETTINGS": Settings(database_url=f"sqlite:///{folder}/db.sqlite3", master_key=os.urandom(32),
                                           key_dir=Path(folder) / "keys")})
    users, service = app.extensions["breachtrail.users"], app.extensions["breachtrail.cases"]
    for user_id, role, units in (("mette", Role.MANAGER, ["tandplejen"]), ("henrik", Role.HR, []),
                                 ("rikke", Role.REP, [])):
        users.add(user_id, role, units)
    mette = User("mette", Role.MANAGER, frozenset({"tandplejen"}))
    today = service.today()
    from datetime import timedelta

    cases = []
    for index, (rules, channel) in enumerate([(["4.3", "6.1"], Channel.SNAPCHAT), (["5.3"], Channel.MESSENGER),
                                              (["6.2"], Channel.FACEBOOK)] * 3):
        case = service.report_incident(mette, unit="tandplejen", employee_ref=f"E-{1040 + index}",
                                       employee_name=f"Medarbejder {index + 1}",
                                       occurred_on=today - timedelta(days=30 - index),
                                       rules=rules, channel=channel, description="Delte et billede af en kollega.")
        cases.append(case.id)
    from uuid import UUID

    first = UUID(cases[0])
    service.assess(mette, first, work_environment_issue=True, severity=Severity.MEDIUM,
                   notes="Kollegaen følte sig udstillet.")
    service.hold_talk(mette, first, held_on=today - timedelta(days=14), participants=["Mette", "Medarbejder 1"],
                      union_rep_present=True, summary="Gennemgik punkt 4.3 og 6.1.")
    service.open_hearing(mette, first, sent_on=today - timedelta(days=3))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            for user_id, path, name in (("mette", "/sager", "manager-case-list"),
                                        ("mette", f"/sager/{first}", "manager-case-page"),
                                        ("henrik", f"/sager/{first}", "hr-case-timeline"),
                                        ("rikke", "/statistik", "rep-dashboard")):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                secret = app.extensions["breachtrail.sign_ins"].issue_link(user_id)
                page.goto(f"{base}/login/{secret}")
                page.get_by_role("button", name="Log ind").click()
                page.goto(base + path)
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        close_case_service(service)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
