"""The journeys users take, in one real browser session: manager, HR and rep, with axe-core checks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from service.case_queries import LOCAL_TIMEZONE


def days_ago(days: int) -> str:
    return (datetime.now(LOCAL_TIMEZONE).date() - timedelta(days=days)).isoformat()


def sign_in(context, base, app, user_id):  # type: ignore[no-untyped-def]
    page = context.new_page()
    secret = app.extensions["breachtrail.sign_ins"].issue_link(user_id)
    page.goto(f"{base}/login/{secret}")
    page.get_by_role("button", name="Log ind").click()
    return page


def check_accessibility(page, checked):  # type: ignore[no-untyped-def]
    """Zero serious or critical axe-core violations on this page, in Danish and in English."""
    from axe_playwright_python.sync_playwright import Axe

    path = re.sub(r"[0-9a-f-]{36}", "<id>", page.url.split("//", 1)[1].split("/", 1)[1])
    for language, button in (("da", "English"), ("en", "Dansk")):
        results = Axe().run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
        assert not bad, (path, language, [(v["id"], v["nodes"][0]["target"]) for v in bad])
        checked.append((path, language))
        page.get_by_role("button", name=button).click()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_report_to_warning_race_erasure_and_dashboard(live_app, chromium, tmp_path):
    base, app = live_app
    checked: list[tuple[str, str]] = []
    manager = chromium.new_context()
    page = sign_in(manager, base, app, "mette")
    check_accessibility(page, checked)

    # Keyboard only: the report form, from the first field to the button.
    page.goto(f"{base}/sager/ny")
    check_accessibility(page, checked)
    page.locator("#unit").focus()
    page.keyboard.press("Tab")
    page.keyboard.type(days_ago(21))
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # rule 3.1
    for _ in range(5):
        page.keyboard.press("Tab")
    page.keyboard.press("Space")  # rule 4.3
    page.locator("#channel").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("E-1042")
    page.keyboard.press("Tab")
    page.keyboard.type("Jane Doe")
    page.keyboard.press("Tab")
    page.keyboard.type("Posted a photo of a colleague with a mocking caption.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sager/[0-9a-f-]{36}$"))
    assert "Hændelsen er indberettet" in page.content()
    case_url = page.url
    check_accessibility(page, checked)

    def take(step: str, fill: dict[str, str], button: str) -> None:
        page.locator(f"#step-{step} summary").click()
        for selector, value in fill.items():
            if value == "check":
                page.locator(selector).check()
            else:
                page.locator(selector).fill(value)
        page.get_by_role("button", name=button).click()

    take("assessment", {"#assessment-work_environment_issue": "check", "#assessment-severity-medium": "check"},
         "Registrér vurderingen")
    take("talks", {"#talks-held_on": days_ago(14), "#talks-participants": "Mette\nJane Doe",
                   "#talks-union_rep_present": "check", "#talks-summary": "Went through 4.3."}, "Registrér samtalen")
    take("hearing", {"#hearing-sent_on": days_ago(2)}, "Registrér partshøringen")
    take("warnings", {"#warnings-issued_on": days_ago(0), "#warnings-text": "Written warning."}, "Registrér advarslen")
    text = page.content()
    assert "Advarslen kan ikke gives endnu" in text and "tidligst gives den" in text
    check_accessibility(page, checked)
    take("statements", {"#statements-received_on": days_ago(1), "#statements-summary": "She regrets it."},
         "Registrér bemærkningerne")

    # A second browser on the same case takes a step first: the first gets the conflict page.
    other = chromium.new_context()
    rival = sign_in(other, base, app, "mette")
    rival.goto(case_url)
    page.locator("#step-notes summary").click()
    page.locator("#notes-text").fill("My note.")
    rival.locator("#step-notes summary").click()
    rival.locator("#notes-text").fill("Rival note.")
    rival.get_by_role("button", name="Tilføj notatet").click()
    page.get_by_role("button", name="Tilføj notatet").click()
    assert "Sagen er blevet ændret i mellemtiden" in page.content()
    assert page.locator("#notes-text").input_value() == "My note."
    check_accessibility(page, checked)
    other.close()

    take("warnings", {"#warnings-issued_on": days_ago(0), "#warnings-text": "Written warning."}, "Registrér advarslen")
    assert "Den skriftlige advarsel er registreret." in page.content()
    take("closure", {"#closure-outcome-sanctioned": "check", "#closure-reason": "Done."}, "Afslut sagen")
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
    page.goto(f"{base}/sager")
    check_accessibility(page, checked)

    # HR: timeline, access log, erasure.
    hr = chromium.new_context()
    henrik = sign_in(hr, base, app, "henrik")
    henrik.goto(case_url)
    assert "Skriftlig advarsel er givet" in henrik.content() and "mette (leder)" in henrik.content()
    check_accessibility(henrik, checked)
    henrik.get_by_role("link", name="Se adgangsloggen").click()
    assert "mette" in henrik.content()
    check_accessibility(henrik, checked)
    for path in ("/integritet", "/opbevaring", "/brugere", "/brugere/mette", case_url.split(base)[1] + "/udskrift",
                 "/opgaver", "/medarbejdere", "/medarbejdere/tandplejen", "/medarbejdere/tandplejen/gennemgang",
                 "/medarbejdere/tandplejen/introduktion", "/statistik/udgivelser", "/ny-retningslinje",
                 "/retningslinjer/tandplejen-udkast-2026/tilbagetraekning",
                 "/retningslinjer/tandplejen-udkast-2026/afloesning"):
        henrik.goto(base + path)
        check_accessibility(henrik, checked)
    henrik.goto(case_url + "/sletning")
    check_accessibility(henrik, checked)
    henrik.locator("#reason").fill("Retention over.")
    henrik.get_by_role("button", name="Slet personoplysningerne endeligt").click()
    assert "Personoplysningerne er slettet" in henrik.content()
    henrik.goto(case_url)
    for secret in ("Jane Doe", "E-1042", "mocking caption", "She regrets it", "Written warning."):
        assert secret not in henrik.content()

    # Rep: dashboard and CSV; no case page.
    reps = chromium.new_context(accept_downloads=True)
    rikke = sign_in(reps, base, app, "rikke")
    assert "Anonymiseret statistik" in rikke.content()
    check_accessibility(rikke, checked)
    with rikke.expect_download() as download:
        rikke.get_by_role("link", name="Hent tallene som CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as file:
        csv_text = file.read()
    assert csv_text.startswith("Opdelt efter,Værdi,Antal sager")
    assert rikke.goto(case_url).status == 403
    assert len(checked) >= 36
