"""HR takes a revised guideline through consultation in two LMUs into force, in one browser session.

A case reported before cites version 1 in version 1's words; a case reported after cites version 2.
Then HR drafts a new guideline from version 2, lets it take over, and withdraws it again.
Every new page is checked with axe-core, in Danish and English.
"""

from __future__ import annotations

import re

import pytest

from domain.values import Role
from service.users import User
from tests.browser.test_journeys import check_accessibility, days_ago, sign_in

P = "/retningslinjer/tandplejen-udkast-2026"
OLD_WORDS = "er ikke tilladt uden ledelsens godkendelse."
NEW_WORDS = "kræver ledelsens og de afbildedes samtykke."
HR = User("henrik", Role.HR, frozenset())


def report(page, base: str, occurred_on: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/sager/ny")
    page.locator("#occurred_on").fill(occurred_on)
    page.get_by_label(re.compile(r"^4\.3 ")).check()
    page.locator("#channel").check()
    page.locator("#employee_ref").fill("E-7")
    page.locator("#description").fill("Shared a photo from the clinic.")
    page.get_by_role("button", name="Indberet hændelsen").click()
    page.wait_for_url(re.compile(r"/sager/[0-9a-f-]{36}$"))
    return page.url


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_hr_brings_version_2_into_force_and_cases_keep_their_words(live_app, chromium):
    base, app = live_app
    checked: list[tuple[str, str]] = []
    manager = sign_in(chromium.new_context(), base, app, "mette")
    old_case = report(manager, base, days_ago(21))

    hr = sign_in(chromium.new_context(), base, app, "henrik")
    hr.goto(f"{base}/retningslinjer")
    assert OLD_WORDS in hr.content()
    check_accessibility(hr, checked)
    hr.goto(f"{base}{P}")
    check_accessibility(hr, checked)
    hr.goto(f"{base}{P}/versioner/1")
    check_accessibility(hr, checked)

    # A text out of format: the error summary names the line, nothing is stored.
    hr.goto(f"{base}{P}/ny-version")
    text = hr.locator("#text").input_value()
    hr.locator("#text").fill(text.replace("## 3. ", "## 7. "))
    hr.get_by_role("button", name="Gem som ny version").click()
    summary = hr.locator("[data-module=error-summary]")
    assert "Teksten følger ikke retningslinjens format" in summary.inner_text()
    check_accessibility(hr, checked)
    hr.locator("#text").fill(text.replace(OLD_WORDS, NEW_WORDS))
    hr.get_by_role("button", name="Gem som ny version").click()
    assert "Version 2 er gemt som udkast" in hr.content()

    hr.goto(f"{base}{P}/forskel?fra=1&til=2")
    assert hr.locator("ins").filter(has_text=NEW_WORDS).count() == 1
    assert hr.locator("del").filter(has_text=OLD_WORDS).count() == 1
    check_accessibility(hr, checked)

    def step(link: str, fill: dict[str, str], button: str) -> None:
        hr.goto(f"{base}{P}")
        hr.get_by_role("link", name=link).click()
        check_accessibility(hr, checked)
        for selector, value in fill.items():
            if value == "check":
                hr.locator(selector).check()
            elif selector.startswith("select"):
                hr.locator(selector.split(" ", 1)[1]).select_option(value)
            else:
                hr.locator(selector).fill(value)
        hr.get_by_role("button", name=button).click()

    step("Send version 2 i høring", {"#bodies": "LMU tandplejen\nLMU dagtilbud-nord", "#deadline": days_ago(-14)},
         "Send i høring")
    assert "Versionen er sendt i høring" in hr.content()
    hr.goto(f"{base}{P}/versioner/2/hoeringsbrev")
    assert "LMU dagtilbud-nord" in hr.content() and NEW_WORDS in hr.content()
    check_accessibility(hr, checked)
    step("Registrér et høringssvar til version 2",
         {"select #body": "LMU tandplejen", "#received_on": days_ago(0), "#position": "check",
          "#summary": "Agreed."}, "Registrér svaret")
    step("Registrér et høringssvar til version 2",
         {"select #body": "LMU dagtilbud-nord", "#received_on": days_ago(0), "#position-proposes_changes": "check",
          "#summary": "Name the consent."}, "Registrér svaret")
    step("Afslut høringen af version 2", {}, "Afslut høringen")
    step("Registrér godkendelsen af version 2",
         {"#body": "MED Børne- og Familieområdet", "#meeting_on": days_ago(0), "#reference": "MED pkt. 4"},
         "Registrér godkendelsen")
    history = hr.content()
    assert "foreslår ændringer" in history and "MED pkt. 4" in history

    # Bringing into force asks first; the confirmation page in English, then confirmed.
    step("Sæt version 2 i kraft", {"#in_force_from": days_ago(0)}, "Fortsæt")
    assert "Ikrafttrædelsen kan ikke fortrydes" in hr.content()
    check_accessibility(hr, checked)  # the Danish confirmation; the language switch then lands on the form
    hr.get_by_role("button", name="English").click()
    hr.locator("#in_force_from").fill(days_ago(0))
    hr.get_by_role("button", name="Continue").click()
    assert "Bringing into force cannot be undone" in hr.content()
    from axe_playwright_python.sync_playwright import Axe

    bad = [v["id"] for v in Axe().run(hr).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not bad
    hr.get_by_role("button", name="Bring version 2 into force").click()
    assert "The version has been brought into force" in hr.content()
    hr.get_by_role("button", name="Dansk").click()
    hr.goto(f"{base}{P}/versioner/2/tilpasning")
    check_accessibility(hr, checked)

    # The report form offers version 2's words; a new case cites them, the old one keeps version 1's.
    manager.goto(f"{base}/sager/ny")
    assert NEW_WORDS in manager.content() and "version 2 af tandplejen-udkast-2026" in manager.content()
    check_accessibility(manager, checked)
    new_case = report(manager, base, days_ago(0))
    assert NEW_WORDS in manager.content() and "Efter version 2 af" in manager.content()
    check_accessibility(manager, checked)
    manager.goto(old_case)
    assert OLD_WORDS in manager.content() and NEW_WORDS not in manager.content()
    manager.get_by_role("link", name="læs version 1").click()
    assert OLD_WORDS in manager.content()
    assert new_case != old_case and len(checked) >= 26

    # A new guideline from version 2's text: the error summary first, then the draft.
    hr.goto(f"{base}{P}")
    hr.get_by_role("link", name="Opret en ny retningslinje på grundlag af version 2").click()
    check_accessibility(hr, checked)
    text = hr.locator("#text").input_value()
    hr.locator("#text").fill("")
    hr.get_by_role("button", name="Opret udkast").click()
    assert "Skriv retningslinjens tekst" in hr.locator("[data-module=error-summary]").inner_text()
    check_accessibility(hr, checked)
    hr.locator("#text").fill(text.replace("key: tandplejen-udkast-2026", "key: omraadet-2027"))
    hr.get_by_role("button", name="Opret udkast").click()
    assert "Udkastet til omraadet-2027 er oprettet som version 1." in hr.content()

    # It takes over from the dental service's guideline, asked first.
    hr.goto(f"{base}{P}")
    hr.get_by_role("link", name="Registrér, at en anden retningslinje afløser denne").click()
    check_accessibility(hr, checked)
    hr.locator("#by").select_option("omraadet-2027")
    hr.locator("#on").fill(days_ago(-30))
    hr.get_by_role("button", name="Fortsæt").click()
    assert "Afløsningen kan ikke fortrydes" in hr.content()
    assert not serious(hr)
    hr.get_by_role("button", name="Registrér afløsningen").click()
    assert "afløst af omraadet-2027" in hr.content()

    # The new draft withdrawn: the reason is asked for, then confirmed.
    hr.goto(f"{base}/retningslinjer/omraadet-2027")
    hr.get_by_role("link", name="Træk retningslinjen tilbage").click()
    check_accessibility(hr, checked)
    hr.locator("#on").fill(days_ago(0))
    hr.get_by_role("button", name="Fortsæt").click()
    assert "Skriv, hvorfor retningslinjen trækkes tilbage" in hr.locator("[data-module=error-summary]").inner_text()
    assert not serious(hr)
    hr.locator("#reason").fill("Erstattet af en anden plan.\nAftalt i MED.")
    hr.get_by_role("button", name="Fortsæt").click()
    assert "Tilbagetrækningen kan ikke fortrydes" in hr.content()
    assert not serious(hr)
    hr.get_by_role("button", name="Træk retningslinjen tilbage").click()
    assert "Retningslinjen er trukket tilbage." in hr.content() and "Erstattet af en anden plan." in hr.content()
    ended = app.extensions["breachtrail.cases"].policies.get_policy(HR, "omraadet-2027")["ended"]
    assert ended["reason"] == "Erstattet af en anden plan.\nAftalt i MED." and ended["recorded_by"] == "henrik"
    check_accessibility(hr, checked)
    assert len(checked) >= 36


def serious(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The serious and critical axe-core violations on the page as it stands (no language switch)."""
    from axe_playwright_python.sync_playwright import Axe

    return [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
