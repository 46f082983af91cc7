"""HR drafts a new policy, withdraws one or lets another take over, from the pages; no other role can.

Each page stores one event with HR as its actor, or, refused or given bad input, nothing; ending a
policy asks first. The error summary speaks Danish, and English with the English locale.
"""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date

from domain.values import Role
from service.users import User
from tests.policy_texts import DRAFT, DRAFT_KEY, new_key
from tests.web.conftest import days_ago

P = f"/retningslinjer/{DRAFT_KEY}"
NEW = "/ny-retningslinje"
WITHDRAW, SUPERSEDE = P + "/tilbagetraekning", P + "/afloesning"
HR = User("henrik", Role.HR, frozenset())


def service(web_app):  # type: ignore[no-untyped-def]
    return web_app.extensions["breachtrail.cases"].policies


def stored(web_app) -> int | None:  # type: ignore[no-untyped-def]
    """How far the policies' event log has come: unchanged means nothing was stored."""
    return service(web_app).recorder.max_notification_id()


def draft_skoler(web_app) -> None:  # type: ignore[no-untyped-def]
    service(web_app).draft(HR, text=new_key(DRAFT, "skoler-2027"), scope_unit="skoler")


def test_hr_drafts_a_new_policy_from_a_version_and_the_draft_names_her(browser, web_app):
    henrik = browser("henrik")
    start = henrik.get("/retningslinjer")
    assert 'href="/ny-retningslinje"' in start.text and "Opret et udkast til en ny retningslinje" in start.text
    history = henrik.get(P)
    assert f'href="/ny-retningslinje?grundlag={DRAFT_KEY}:1"' in history.text
    form = henrik.get(f"{NEW}?grundlag={DRAFT_KEY}:1")
    assert form.status_code == 200
    assert "<h1>Hvad skal den nye retningslinje indeholde?</h1>" in form.text and "Opret udkast" in form.text
    assert f"key: {DRAFT_KEY}" in form.text and f'value="{DRAFT_KEY}:1" selected' in form.text
    answer = henrik.post(NEW, {"text": new_key(DRAFT, "skoler-2027"), "scope_unit": "skoler",
                               "based_on": f"{DRAFT_KEY}:1"})
    assert answer.status_code == 302 and answer.location == "/retningslinjer/skoler-2027"
    page = henrik.get(answer.location).text
    assert "Udkastet til skoler-2027 er oprettet som version 1." in page
    assert f'<a href="{P}/versioner/1">Version 1 af {DRAFT_KEY}</a>' in page
    policy = service(web_app).get_policy(HR, "skoler-2027")
    assert policy["drafted_by"] == "henrik" and policy["versions"][0]["drafted_by"] == "henrik"
    assert policy["scope"] == {"unit": "skoler"} and policy["versions"][0]["status"] == "draft"
    assert policy["based_on"] == {"id": DRAFT_KEY, "version": 1}


def test_a_policy_whatever_its_key_opens_on_its_own_page_not_on_a_form(browser, web_app):
    henrik = browser("henrik")
    answer = henrik.post(NEW, {"text": new_key(DRAFT, "ny")})
    assert answer.status_code == 302 and answer.location == "/retningslinjer/ny"
    page = henrik.get("/retningslinjer/ny")
    assert page.status_code == 200 and "Udkastet til ny er oprettet som version 1." in page.text
    assert "Opret udkast" not in page.text
    assert service(web_app).get_policy(HR, "ny")["drafted_by"] == "henrik"


def test_a_policy_ended_by_someone_else_meanwhile_is_refused_with_the_day_it_ended(browser, web_app, monkeypatch):
    henrik = browser("henrik")
    as_read = service(web_app).get_policy(HR, DRAFT_KEY)
    ended_on = date.fromisoformat(days_ago(2))
    service(web_app).withdraw(HR, DRAFT_KEY, on=ended_on, reason="Ophævet af direktionen.")
    # The page still reads the policy as it was before that: only the store finds it ended.
    monkeypatch.setattr(service(web_app), "get_policy", lambda user, policy_id: as_read)
    before = stored(web_app)
    answer = henrik.post(WITHDRAW, {"on": days_ago(-7), "reason": "Igen.", "confirmed": "yes"}, from_page=WITHDRAW)
    assert answer.status_code == 409
    assert f"Retningslinjen er allerede ophørt den {format_date(ended_on, 'long', locale='da')}." in answer.text
    assert stored(web_app) == before


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"text": ""}, "text", "Skriv retningslinjens tekst"),
    ({"text": DRAFT}, "text", f"Der findes allerede en retningslinje med nøglen {DRAFT_KEY}"),
    ({"text": "not a policy"}, "text", "Teksten følger ikke retningslinjens format"),
    ({"text": new_key(DRAFT, "ny-2027"), "scope_unit": "Skoler Nord"}, "scope_unit", "Skriv enhedens kortnavn"),
    ({"text": new_key(DRAFT, "ny-2027"), "based_on": f"{DRAFT_KEY}:9"}, "based_on", "Vælg en version fra listen"),
])
def test_a_bad_draft_is_named_in_the_error_summary_and_nothing_is_stored(browser, web_app, form, field, message):
    henrik = browser("henrik")
    before = stored(web_app)
    answer = henrik.post(NEW, form)
    assert answer.status_code == 422
    assert "Der er problemer" in answer.text and message in answer.text and f'href="#{field}"' in answer.text
    assert f'id="{field}-error"' in answer.text
    assert stored(web_app) == before


def test_hr_withdraws_a_policy_after_confirming_with_a_reason_that_stays_in_its_history(browser, web_app):
    henrik = browser("henrik")
    assert f'href="{WITHDRAW}"' in henrik.get(P).text
    form = henrik.get(WITHDRAW)
    assert form.status_code == 200 and "Hvornår og hvorfor trækkes" in form.text
    before = stored(web_app)
    ask = henrik.post(WITHDRAW, {"on": days_ago(-7), "reason": "Afløst af en fælles retningslinje."})
    assert ask.status_code == 200 and "Tilbagetrækningen kan ikke fortrydes" in ask.text
    assert "Træk retningslinjen tilbage" in ask.text and stored(web_app) == before
    done = henrik.post(WITHDRAW, {"on": days_ago(-7), "reason": "Afløst af en fælles retningslinje.",
                                  "confirmed": "yes"}, from_page=WITHDRAW)
    assert done.status_code == 302 and done.location == P
    ended = service(web_app).get_policy(HR, DRAFT_KEY)["ended"]
    assert ended["recorded_by"] == "henrik" and ended["reason"] == "Afløst af en fælles retningslinje."
    assert ended["superseded_by"] is None
    page = henrik.get(P).text
    assert "Retningslinjen er trukket tilbage." in page and "Afløst af en fælles retningslinje." in page
    assert WITHDRAW not in page and SUPERSEDE not in page and "Skriv en ny version" not in page
    again = henrik.get(WITHDRAW)
    assert again.status_code == 409 and "allerede ophørt" in again.text
    after = stored(web_app)
    refused = henrik.post(WITHDRAW, {"on": days_ago(-7), "reason": "Igen.", "confirmed": "yes"},
                          from_page="/retningslinjer")
    assert refused.status_code == 409 and stored(web_app) == after


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"on": days_ago(0), "reason": ""}, "reason", "Skriv, hvorfor retningslinjen trækkes tilbage"),
    ({"on": "", "reason": "x"}, "on", "Angiv en dato"),
    ({"on": "2. december", "reason": "x"}, "on", "Skriv datoen som år-måned-dag"),
    ({"on": "1900-01-01", "reason": "x"}, "on", "Datoen må ikke ligge før"),
    ({"on": days_ago(-5000), "reason": "x"}, "on", "Datoen må ikke ligge efter"),
    ({"on": days_ago(0), "reason": "x" * 5001}, "reason", "Begrundelsen må højst være 5000 tegn"),
])
def test_a_bad_withdrawal_is_named_and_nothing_is_stored_even_when_confirmed(browser, web_app, form, field, message):
    henrik = browser("henrik")
    before = stored(web_app)
    for confirmed in ({}, {"confirmed": "yes"}):
        answer = henrik.post(WITHDRAW, {**form, **confirmed})
        assert answer.status_code == 422, answer.text
        assert "Der er problemer" in answer.text and message in answer.text and f'href="#{field}"' in answer.text
    assert stored(web_app) == before and service(web_app).get_policy(HR, DRAFT_KEY)["ended"] is None


def test_hr_records_that_another_policy_takes_over_after_confirming(browser, web_app):
    henrik = browser("henrik")
    lonely = henrik.get(SUPERSEDE)
    assert lonely.status_code == 200 and "Der er ingen anden retningslinje" in lonely.text
    draft_skoler(web_app)
    form = henrik.get(SUPERSEDE)
    assert "<h1>Hvilken retningslinje afløser" in form.text and 'value="skoler-2027"' in form.text
    assert f'<option value="{DRAFT_KEY}"' not in form.text
    before = stored(web_app)
    ask = henrik.post(SUPERSEDE, {"by": "skoler-2027", "on": days_ago(-30)})
    assert ask.status_code == 200 and "Afløsningen kan ikke fortrydes" in ask.text and stored(web_app) == before
    done = henrik.post(SUPERSEDE, {"by": "skoler-2027", "on": days_ago(-30), "confirmed": "yes"},
                       from_page=SUPERSEDE)
    assert done.status_code == 302 and done.location == P
    ended = service(web_app).get_policy(HR, DRAFT_KEY)["ended"]
    assert ended["superseded_by"] == "skoler-2027" and ended["recorded_by"] == "henrik"
    assert "afløst af skoler-2027" in henrik.get(P).text


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"by": "", "on": days_ago(0)}, "by", "Vælg den retningslinje, der afløser denne"),
    ({"by": DRAFT_KEY, "on": days_ago(0)}, "by", "Vælg den retningslinje, der afløser denne"),
    ({"by": "findes-ikke", "on": days_ago(0)}, "by", "Vælg den retningslinje, der afløser denne"),
    ({"by": "skoler-2027", "on": "i morgen"}, "on", "Skriv datoen som år-måned-dag"),
])
def test_a_bad_supersession_is_named_and_nothing_is_stored(browser, web_app, form, field, message):
    draft_skoler(web_app)
    henrik = browser("henrik")
    before = stored(web_app)
    answer = henrik.post(SUPERSEDE, {**form, "confirmed": "yes"})
    assert answer.status_code == 422
    assert "Der er problemer" in answer.text and message in answer.text and f'href="#{field}"' in answer.text
    assert stored(web_app) == before


@pytest.mark.parametrize("user", ["mette", "mads", "rikke"])
def test_no_role_but_hr_sees_or_uses_the_pages_and_nothing_is_stored(browser, web_app, user):
    draft_skoler(web_app)
    b = browser(user)
    history = b.get(P).text
    assert "/ny-retningslinje" not in history and WITHDRAW not in history and SUPERSEDE not in history
    assert "/ny-retningslinje" not in b.get("/retningslinjer").text
    before = stored(web_app)
    for path, form in ((NEW, {"text": new_key(DRAFT, "ulovlig-2027")}),
                       (WITHDRAW, {"on": days_ago(0), "reason": "x", "confirmed": "yes"}),
                       (SUPERSEDE, {"by": "skoler-2027", "on": days_ago(0), "confirmed": "yes"})):
        assert b.get(path).status_code == 403, path
        assert b.post(path, form, from_page="/retningslinjer").status_code == 403, path
    assert stored(web_app) == before and service(web_app).get_policy(HR, DRAFT_KEY)["ended"] is None
    anonymous = browser()
    for path in (NEW, WITHDRAW, SUPERSEDE):
        answer = anonymous.get(path)
        assert answer.status_code == 302 and answer.location.startswith("/log-ind"), path


def test_the_messages_are_english_with_the_english_locale(browser, web_app):
    henrik = browser("henrik")
    henrik.post("/sprog", {"lang": "en", "next": "/retningslinjer"}, from_page="/retningslinjer")
    form = henrik.get(NEW)
    assert "What should the new guideline contain?" in form.text and "Create draft" in form.text
    empty = henrik.post(NEW, {"text": ""})
    assert "There is a problem" in empty.text and "Write the guideline&#39;s text" in empty.text
    taken = henrik.post(NEW, {"text": DRAFT})
    assert f"A guideline with the key {DRAFT_KEY} exists already" in taken.text
    reason = henrik.post(WITHDRAW, {"on": days_ago(0), "reason": ""})
    assert "Write why the guideline is withdrawn" in reason.text
    late = henrik.post(WITHDRAW, {"on": days_ago(-5000), "reason": "x"})
    assert "The date must not lie after" in late.text
    ask = henrik.post(WITHDRAW, {"on": days_ago(0), "reason": "Replaced."})
    assert "Withdrawal cannot be undone" in ask.text and "Withdraw the guideline" in ask.text
    by = henrik.post(SUPERSEDE, {"by": "", "on": days_ago(0)})
    assert "Choose the guideline that takes over from this one" in by.text


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_stored(browser, web_app):
    draft_skoler(web_app)
    henrik = browser("henrik")
    before = stored(web_app)
    for path, form in ((NEW, {"text": new_key(DRAFT, "uden-token-2027")}),
                       (WITHDRAW, {"on": days_ago(0), "reason": "x", "confirmed": "yes"}),
                       (SUPERSEDE, {"by": "skoler-2027", "on": days_ago(0), "confirmed": "yes"})):
        answer = henrik.client.post(path, data=form)
        assert answer.status_code == 400 and "Formularen var for gammel" in answer.text, path
    assert stored(web_app) == before
