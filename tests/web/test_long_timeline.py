"""A case with a long history: its page shows the newest events and pages back to the first.

Every event stays reachable without script, through the design system's pagination links;
the printed case file still holds the whole timeline.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID

from flask_babel import force_locale, format_datetime

from adapters.web.formatting import moment
from domain.values import Actor, Role
from tests.web.conftest import report

NOTES = 60
OLDER = re.compile(r'href="([^"]+)#sagsforloeb"[^>]*><span class="pagination-nav-link">Ældre hændelser')


def _case_with_notes(browser, web_app) -> tuple[object, str]:  # type: ignore[no-untyped-def]
    mette = browser("mette")
    case_id = report(mette)
    service = web_app.extensions["breachtrail.cases"]
    case = service.repository.get(UUID(case_id))
    for number in range(1, NOTES + 1):
        case.add_note(actor=Actor("mette", Role.MANAGER), text=f"Notat nummer {number}.")
    service.save(case)
    return mette, case_id


def _notes_on(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"Notat nummer (\d+)\.", html)]


def test_a_long_timeline_shows_the_newest_events_and_pages_back_to_the_report(browser, web_app):
    mette, case_id = _case_with_notes(browser, web_app)
    page = mette.get(f"/sager/{case_id}")
    assert page.status_code == 200
    assert _notes_on(page.text) == list(range(NOTES, NOTES - 25, -1))
    assert "Hændelse 61 til 37 af 61, nyeste først." in page.text
    assert 'aria-label="Sagsforløbets sider, side 1 af 3"' in page.text
    assert "Hændelsen er indberettet" not in page.text.split('id="sagsforloeb"')[1]

    seen = _notes_on(page.text)
    pages = 1
    while (older := OLDER.search(page.text)) is not None:
        page = mette.get(older.group(1).replace("&amp;", "&"))
        assert page.status_code == 200 and "Nyere hændelser" in page.text
        seen += _notes_on(page.text)
        pages += 1
    assert pages == 3
    assert seen == list(range(NOTES, 0, -1)), "every note once, newest first"
    assert "Hændelsen er indberettet" in page.text.split('id="sagsforloeb"')[1]


def test_a_page_beyond_the_last_and_a_bad_page_number_still_show_the_case(browser, web_app):
    mette, case_id = _case_with_notes(browser, web_app)
    beyond = mette.get(f"/sager/{case_id}?page=9")
    assert beyond.status_code == 200 and _notes_on(beyond.text) == [] and "Nyere hændelser" in beyond.text
    garbled = mette.get(f"/sager/{case_id}?page=x")
    assert garbled.status_code == 200 and _notes_on(garbled.text)[0] == NOTES


def test_a_short_case_has_no_pagination_and_the_printed_file_has_every_note(browser, web_app):
    _, case_id = _case_with_notes(browser, web_app)
    henrik = browser("henrik")
    printed = henrik.get(f"/sager/{case_id}/udskrift")
    assert _notes_on(printed.text) == list(range(NOTES, 0, -1))
    short = report(browser("mette"))
    page = henrik.get(f"/sager/{short}")
    assert "Hændelsen er indberettet" in page.text and "Sagsforløbets sider" not in page.text


def test_a_moment_reads_as_babel_writes_it_in_both_languages(web_app):
    pattern = {"da": "d. MMMM y 'kl.' HH.mm", "en": "d MMMM y, HH:mm"}
    with web_app.test_request_context():
        for language in ("da", "en"):
            with force_locale(language):
                for when in (datetime(2026, 1, 5, 23, 30, tzinfo=UTC), datetime(2026, 7, 31, 22, 5, tzinfo=UTC),
                             datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 10, 25, 1, 0)):
                    assert moment(when) == format_datetime(when, pattern[language])


def test_the_timeline_pagination_reads_in_english(browser, web_app):
    mette, case_id = _case_with_notes(browser, web_app)
    page = mette.get(f"/sager/{case_id}?page=2")
    assert f'name="next" value="/sager/{case_id}?page=2"' in page.text, "the language switch keeps the page"
    mette.post("/sprog", {"lang": "en", "next": f"/sager/{case_id}?page=2"}, from_page=f"/sager/{case_id}")
    page = mette.get(f"/sager/{case_id}?page=2")
    assert "Events 36 to 12 of 61, newest first." in page.text
    assert "Newer events" in page.text and "Older events" in page.text
