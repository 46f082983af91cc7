"""A case with a long history in a real browser: the timeline's pagination is reachable by
keyboard, works without script, and the paged case page passes axe-core in both languages."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.values import Actor, Channel, Role
from service.users import User
from tests.browser.test_journeys import check_accessibility, days_ago, sign_in
from tests.web.conftest import REPORT


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_timeline_pages_back_by_keyboard_without_script(live_app, chromium):
    base, app = live_app
    service = app.extensions["breachtrail.cases"]
    mette = User("mette", Role.MANAGER, frozenset({"tandplejen"}))
    view = service.report_incident(mette, occurred_on=date.fromisoformat(days_ago(21)),
                                   **{**REPORT, "channel": Channel.SNAPCHAT})
    case = service.repository.get(UUID(view.id))
    for number in range(1, 41):
        case.add_note(actor=Actor("mette", Role.MANAGER), text=f"Notat nummer {number}.")
    service.save(case)

    context = chromium.new_context(java_script_enabled=False)
    page = sign_in(context, base, app, "mette")
    page.goto(f"{base}/sager/{view.id}")
    assert "Notat nummer 40." in page.content() and "Notat nummer 15." not in page.content()
    older = page.get_by_role("link", name="Ældre hændelser")
    older.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/sager/{view.id}?page=2#sagsforloeb")
    assert "Notat nummer 15." in page.content() and "Hændelsen er indberettet" in page.content()
    assert page.get_by_role("navigation", name="Sagsforløbets sider, side 2 af 2").is_visible()
    context.close()

    scripted = chromium.new_context()
    page = sign_in(scripted, base, app, "mette")
    page.goto(f"{base}/sager/{view.id}?page=2")
    check_accessibility(page, [])
    scripted.close()
