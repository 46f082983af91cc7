"""What the user register and the staff service refuse is said in the page's language, beside its field.

Each refusal shows in the design system's error summary, linked to the field it concerns, in
Danish (English with the English locale), never in the service's own English; nothing is stored.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import days_ago

ENGLISH_REASONS = ("exists already", "invalid user id", "is on a staff list already", "no employee", "must not lie",
                   "is not on the staff list", "no user '")


def stored(web_app) -> int | None:  # type: ignore[no-untyped-def]
    """How far the trail has come (users' grants and staff lists): unchanged means nothing was stored."""
    return web_app.extensions["breachtrail.cases"].recorder.max_notification_id()


def refused(answer, field: str, message: str, *, english: bool = False) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 422, answer.text
    assert ("There is a problem" if english else "Der er problemer") in answer.text
    assert f'href="#{field}"' in answer.text and f'id="{field}-error"' in answer.text
    assert message in answer.text, answer.text
    if not english:
        assert not [reason for reason in ENGLISH_REASONS if reason in answer.text]


@pytest.fixture
def staffed(browser):  # type: ignore[no-untyped-def]
    henrik = browser("henrik")
    answer = henrik.post("/medarbejdere/tandplejen", {"employee_ref": "E-1042", "name": "Jane Doe",
                                                      "start_date": days_ago(400), "change": "0"})
    assert answer.status_code == 302, answer.text
    return henrik


def test_a_user_id_taken_or_malformed_is_refused_in_danish_beside_the_id(browser, web_app):
    henrik = browser("henrik")
    before = stored(web_app)
    taken = henrik.post("/brugere", {"user_id": "Mette", "role": "manager", "units": "skoler"})
    refused(taken, "user_id", "Der findes allerede en bruger med det id. En spærret bruger beholder sit id")
    malformed = henrik.post("/brugere", {"user_id": "ole hansen", "role": "hr", "units": ""})
    refused(malformed, "user_id", "Skriv id&#39;et med 1 til 64 bogstaver")
    assert stored(web_app) == before
    assert [a.id for a in web_app.extensions["breachtrail.users"].list_users()] == ["henrik", "mads", "mette",
                                                                                   "rikke"]


def test_the_registers_refusals_have_a_field_and_danish_words(web_app):
    from adapters.composition import UserError
    from adapters.web.users import refusal

    with web_app.test_request_context():
        for field, problem, expected, words in (
            ("user_id", "unknown", "user_id", "Brugeren findes ikke længere"),
            ("units", "missing", "units", "En leder skal have mindst én enhed"),
            ("units", "not_a_manager", "units", "Kun ledere har enheder"),
            ("role", "invalid", "role", "Vælg brugerens rolle"),
            ("email", "invalid", "role", "Ændringen kunne ikke gemmes. Kontrollér felterne"),
        ):
            named, message = refusal(UserError("in English", field=field, problem=problem), "role")
            assert named == expected and message.startswith(words)


def test_a_staff_list_entry_refused_by_the_service_is_named_in_danish_at_its_field(browser, web_app, staffed):
    before = stored(web_app)
    duplicate = staffed.post("/medarbejdere/tandplejen", {"employee_ref": "E-1042", "name": "Jane Doe",
                                                          "start_date": days_ago(400), "change": "0"})
    refused(duplicate, "employee_ref", "Medarbejdernummeret E-1042 står allerede på en medarbejderliste")
    backwards = staffed.post("/medarbejdere/tandplejen", {"employee_ref": "E-7", "name": "Ole Olsen",
                                                          "start_date": days_ago(10), "end_date": days_ago(20),
                                                          "change": "0"})
    refused(backwards, "end_date", "Fratrædelsesdatoen må ikke ligge før startdatoen")
    unknown = staffed.post("/medarbejdere/tandplejen", {"employee_ref": "E-9", "name": "Ukendt",
                                                        "start_date": days_ago(10), "change": "1"})
    refused(unknown, "employee_ref", "Medarbejderen står ikke på enhedens medarbejderliste")
    assert stored(web_app) == before


def test_a_review_or_introduction_refused_by_the_service_is_named_in_danish(browser, web_app, staffed):
    mette = browser("mette")
    before = stored(web_app)
    review = "/medarbejdere/tandplejen/gennemgang"
    future = mette.client.post(review, data={"held_on": days_ago(-3), "led_by": "Mette", "participants": ["E-1042"],
                                             "csrf_token": mette.token(mette.get(review).text)})
    refused(future, "held_on", "Datoen må ikke ligge i fremtiden")
    stranger = mette.client.post(review, data={"held_on": days_ago(1), "led_by": "Mette", "participants": ["E-9"],
                                               "csrf_token": mette.token(mette.get(review).text)})
    refused(stranger, "participants", "Vælg deltagere fra enhedens medarbejderliste")
    intro = "/medarbejdere/tandplejen/introduktion"
    nobody = mette.post(intro, {"employee_ref": "E-9", "acknowledged_on": days_ago(1), "method": "e_learning"})
    refused(nobody, "employee_ref", "Medarbejderen står ikke på enhedens medarbejderliste")
    early = mette.post(intro, {"employee_ref": "E-1042", "acknowledged_on": days_ago(-2), "method": "e_learning"})
    refused(early, "acknowledged_on", "Datoen må ikke ligge i fremtiden")
    assert stored(web_app) == before


def test_with_the_english_locale_the_refusals_are_english(browser, staffed):
    staffed.post("/sprog", {"lang": "en", "next": "/brugere"}, from_page="/brugere")
    taken = staffed.post("/brugere", {"user_id": "mette", "role": "manager", "units": "skoler"})
    refused(taken, "user_id", "A user with that id exists already. A revoked user keeps their id", english=True)
    malformed = staffed.post("/brugere", {"user_id": "ole hansen", "role": "hr", "units": ""})
    refused(malformed, "user_id", "Write the id with 1 to 64 letters", english=True)
    duplicate = staffed.post("/medarbejdere/tandplejen", {"employee_ref": "E-1042", "name": "Jane Doe",
                                                          "start_date": days_ago(400), "change": "0"})
    refused(duplicate, "employee_ref", "Employee number E-1042 is on a staff list already", english=True)
    unknown = staffed.post("/medarbejdere/tandplejen/introduktion",
                           {"employee_ref": "E-9", "acknowledged_on": days_ago(1), "method": "e_learning"})
    refused(unknown, "employee_ref", "The employee is not on the unit&#39;s staff list", english=True)
