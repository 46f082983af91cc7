"""HR's changes of access go through the trail of grants, and each user's page shows that trail."""

from __future__ import annotations

from adapters.composition import build_user_administration


def test_adding_changing_and_revoking_are_events_with_hr_as_actor_shown_on_the_users_page(browser, web_app):
    henrik = browser("henrik")
    assert henrik.post("/brugere", {"user_id": "Lone", "role": "manager", "units": "skoler"}).status_code == 302
    assert henrik.post("/brugere/lone", {"role": "manager", "units": "skoler tandplejen"}).status_code == 302
    assert henrik.post("/brugere/lone/spaerring", {}).status_code == 200
    administration = build_user_administration(web_app.extensions["breachtrail.cases"],
                                               web_app.extensions["breachtrail.users"])
    history = administration.user_history("lone")
    assert [entry.type for entry in history] == ["UserAdded", "UnitsChanged", "UserRevoked"]
    assert {entry.actor["id"] for entry in history} == {"henrik"}
    assert history[1].data["units"] == ["skoler", "tandplejen"]
    assert administration.differences() == []
    page = henrik.get("/brugere/lone")
    assert "Ændringer af adgang" in page.text
    for words in ("Bruger oprettet", "Enheder ændret", "Adgang spærret", "skoler, tandplejen", "henrik (HR)"):
        assert words in page.text


def test_a_refused_change_changes_neither_the_table_nor_the_trail(browser, web_app):
    henrik = browser("henrik")
    refused = henrik.post("/brugere/mette", {"role": "manager", "units": ""})
    assert refused.status_code == 422 and "En leder skal have mindst én enhed" in refused.text
    assert web_app.extensions["breachtrail.users"].account("mette").units == {"tandplejen"}
    administration = build_user_administration(web_app.extensions["breachtrail.cases"],
                                               web_app.extensions["breachtrail.users"])
    assert [entry.type for entry in administration.user_history("mette")] == ["UserAdded"]
    assert "system:upgrade" in henrik.get("/brugere/mette").text
