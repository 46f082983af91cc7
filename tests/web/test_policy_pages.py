"""The policy pages: every role reads, only HR acts; each step stores one event or, refused, nothing."""

from __future__ import annotations

import pytest

from domain.policy_text import render_policy_text
from domain.values import Role
from service.users import User
from tests.web.conftest import days_ago, report

P = "/retningslinjer/tandplejen-udkast-2026"
OLD_WORDS = "er ikke tilladt uden ledelsens godkendelse."
NEW_WORDS = "kræver ledelsens og de afbildedes samtykke."


def policy(web_app):  # type: ignore[no-untyped-def]
    service = web_app.extensions["breachtrail.cases"].policies
    return service.get_policy(_hr(web_app), "tandplejen-udkast-2026")


def _hr(web_app):  # type: ignore[no-untyped-def]
    return User("henrik", Role.HR, frozenset())


def version_1_text(web_app) -> str:  # type: ignore[no-untyped-def]
    service = web_app.extensions["breachtrail.cases"].policies
    return render_policy_text(service.version_text(_hr(web_app), "tandplejen-udkast-2026", 1))


@pytest.mark.parametrize("user", ["mette", "henrik", "rikke"])
def test_every_role_reads_the_policy_in_force_its_history_and_a_version(browser, user):
    b = browser(user)
    home = b.get("/retningslinjer")
    assert home.status_code == 200
    assert "Retningslinjer" in home.text and "4.3 Deling fra arbejdspladsen kun med ledelsens godkendelse" in home.text
    assert OLD_WORDS in home.text and "Version 1 af tandplejen-udkast-2026" in home.text
    history = b.get(P)
    assert history.status_code == 200 and "i kraft" in history.text
    assert b.get(P + "/versioner/1").status_code == 200
    assert b.get(P + "/versioner/9").status_code == 404
    assert b.get("/retningslinjer/findes-ikke").status_code == 404
    # Actions are HR's: no links for others, and 403 if tried.
    acts = "Skriv en ny version" in history.text
    assert acts is (user == "henrik")
    if user != "henrik":
        assert b.get(P + "/ny-version").status_code == 403
        assert b.post(P + "/versioner/1/tilpasning", {"unit": "x"}, from_page=P).status_code == 403


def test_english_locale_shows_the_policys_english_words(browser):
    b = browser("rikke")
    b.post("/sprog", {"lang": "en", "next": "/retningslinjer"}, from_page="/retningslinjer")
    page = b.get("/retningslinjer")
    assert "Sharing from the workplace only with management&#39;s approval" in page.text
    assert "Guidelines" in page.text and "The guideline in force" in page.text


def test_a_manager_reads_her_own_units_text_not_another_units(browser):
    mette = browser("mette")
    assert mette.get("/retningslinjer?enhed=tandplejen").status_code == 200
    assert mette.get("/retningslinjer?enhed=skoler").status_code == 403


def test_a_text_out_of_format_is_refused_by_line_and_nothing_is_stored(browser, web_app):
    henrik = browser("henrik")
    form = henrik.get(P + "/ny-version")
    assert "key: tandplejen-udkast-2026" in form.text
    bad = henrik.post(P + "/ny-version", {"text": version_1_text(web_app).replace("## 3. ", "## 7. ")})
    assert bad.status_code == 422
    assert "Der er problemer" in bad.text and "Teksten følger ikke retningslinjens format" in bad.text
    assert 'href="#text"' in bad.text and "line " in bad.text
    same = henrik.post(P + "/ny-version", {"text": version_1_text(web_app)})
    assert same.status_code == 422
    assert policy(web_app)["latest_version"] == 1


def test_hr_takes_version_2_from_draft_into_force_and_cases_cite_their_own_words(browser, web_app):
    henrik, mette = browser("henrik"), browser("mette")
    old_case = report(mette, rules=["4.3"])
    revised = henrik.post(P + "/ny-version", {"text": version_1_text(web_app).replace(OLD_WORDS, NEW_WORDS)})
    assert revised.status_code == 302
    diff = henrik.get(P + "/forskel?fra=1&til=2")
    assert "<del" in diff.text and "<ins" in diff.text and "Tilføjet:" in diff.text and "Fjernet:" in diff.text
    v = P + "/versioner/2"
    empty = henrik.post(v + "/hoering", {"bodies": "", "deadline": ""}, from_page=v + "/hoering")
    assert empty.status_code == 422 and policy(web_app)["versions"][1]["consultation"] is None
    sent = henrik.post(v + "/hoering", {"bodies": "LMU tandplejen\nLMU skoler", "deadline": days_ago(-14),
                                        "sent_on": days_ago(3)})
    assert sent.status_code == 302
    letter = henrik.get(v + "/hoeringsbrev")
    assert "LMU skoler" in letter.text and NEW_WORDS in letter.text and "Høringsfrist" in letter.text
    early = henrik.post(v + "/godkendelse", {"body": "MED", "meeting_on": days_ago(1), "reference": "pkt 4"})
    assert early.status_code == 409 and "Høringen om version 2 er stadig åben. Afslut høringen først." in early.text
    assert "still open" not in early.text
    henrik.post("/sprog", {"lang": "en", "next": v}, from_page=v)
    early = henrik.post(v + "/godkendelse", {"body": "MED", "meeting_on": days_ago(1), "reference": "pkt 4"})
    assert early.status_code == 409
    assert "The consultation on version 2 is still open. Close the consultation first." in early.text
    henrik.post("/sprog", {"lang": "da", "next": v}, from_page=v)
    for body, position in (("LMU tandplejen", "supports"), ("LMU skoler", "proposes_changes")):
        answer = henrik.post(v + "/svar", {"body": body, "received_on": days_ago(2), "position": position,
                                           "summary": f"{body} answered."})
        assert answer.status_code == 302, answer.text
    assert henrik.post(v + "/afslut-hoering", {"closed_on": days_ago(1)}).status_code == 302
    assert henrik.post(v + "/godkendelse", {"body": "MED Børne- og Familieområdet", "meeting_on": days_ago(1),
                                            "reference": "MED pkt. 4"}).status_code == 302
    confirm = henrik.post(v + "/ikrafttraeden", {"in_force_from": days_ago(0)})
    assert confirm.status_code == 200 and "kan ikke fortrydes" in confirm.text
    assert policy(web_app)["versions"][1]["in_force_from"] is None
    done = henrik.post(v + "/ikrafttraeden", {"in_force_from": days_ago(0), "confirmed": "yes"})
    assert done.status_code == 302
    assert policy(web_app)["version_in_force"] == 2
    history = henrik.get(P)
    assert "foreslår ændringer" in history.text and "MED pkt. 4" in history.text
    form = mette.get("/sager/ny")
    assert NEW_WORDS in form.text and "version 2 af tandplejen-udkast-2026" in form.text
    new_case = report(mette, rules=["4.3"], occurred_on=days_ago(0))
    assert NEW_WORDS in mette.get(f"/sager/{new_case}").text
    old_page = mette.get(f"/sager/{old_case}").text
    assert OLD_WORDS in old_page and NEW_WORDS not in old_page and "Efter version 1 af" in old_page
    assert f'href="{P}/versioner/1"' in old_page
    # A rep reads it all, and still cannot act.
    rikke = browser("rikke")
    assert NEW_WORDS in rikke.get("/retningslinjer").text
    assert rikke.post(v + "/tilpasning", {"unit": "tandplejen"}, from_page=P).status_code == 403
