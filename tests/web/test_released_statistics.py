"""The dashboard shows released months only; HR releases them from a page, and every role sees the same."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.time_travel import time_machine  # noqa: F401  (fixture)
from tests.web.conftest import report


@pytest.fixture
def clock(web_app, time_machine):  # noqa: F811
    web_app.extensions["breachtrail.cases"].clock = time_machine
    return time_machine


def test_a_new_case_shows_only_after_hr_releases_its_month_with_enough_others(browser, clock):
    mette, henrik, rikke = browser("mette"), browser("henrik"), browser("rikke")
    for _ in range(6):
        report(mette)
    report(mette, unit="tandplejen", channel="facebook")
    before = rikke.get("/statistik")
    assert "Ingen måneder er udgivet endnu" in before.text and "Hvorfor en ny sag ikke vises" in before.text
    month = clock.next_month(day=2)
    page = henrik.get("/statistik/udgivelser")
    assert f"Udgiv til og med {month}" in page.text
    stale = henrik.post("/statistik/udgivelser", {"through": "1999-01"})
    assert stale.status_code == 422 and henrik.get("/statistik/udgivelser").text.count("<code>") == 0
    done = henrik.post("/statistik/udgivelser", {"through": month})
    assert done.status_code == 302
    listed = henrik.get("/statistik/udgivelser")
    assert f"Udgivet: {month}" in listed.text and "henrik" in listed.text
    digest = re.search(r"<code>([0-9a-f]{64})</code>", listed.text).group(1)  # type: ignore[union-attr]
    again = henrik.post("/statistik/udgivelser", {"through": month})
    assert again.status_code == 302
    assert "ingen nye måneder" in henrik.get("/statistik/udgivelser").text
    pages = {user: browser(user).get("/statistik").text for user in ("rikke", "mette", "henrik")}
    shown = pages["rikke"]
    assert month in shown and digest in shown and "henrik" not in shown
    assert re.search(r"<td>tandplejen</td><td[^>]*>7</td>", shown)
    assert re.search(r"<td>Facebook</td><td[^>]*>(skjult|færre end 5)</td>", shown)  # the lone one
    assert "Jane Doe" not in shown and "E-1042" not in shown
    strip = re.compile(r'name="csrf_token" value="[^"]+"|<header.*?</header>|<li[^>]*><a[^>]*nav-link.*?</li>', re.S)
    assert strip.sub("", pages["mette"]).count("<td>") == strip.sub("", shown).count("<td>")
    rows = list(csv.reader(io.StringIO(rikke.get("/statistik.csv").data.decode("utf-8-sig"))))
    assert ["Enhed", "tandplejen", "7"] in rows and ["Kanal", "Facebook", "skjult"] in rows
    for _dimension, label, text in rows[1:]:
        assert text in shown and label.split(" ", 1)[0] in shown
    assert any(row[0].startswith("Måned med status") for row in rows)


@pytest.mark.parametrize("user", ["mette", "rikke"])
def test_only_hr_may_release(browser, clock, user):
    report(browser("mette"))
    month = clock.next_month(day=2)
    b = browser(user)
    assert b.get("/statistik/udgivelser").status_code == 403
    page = b.get("/statistik")
    answer = b.client.post("/statistik/udgivelser", data={"through": month, "csrf_token": b.token(page.text)})
    assert answer.status_code == 403
    assert "Ingen måneder er udgivet endnu" in b.get("/statistik").text
