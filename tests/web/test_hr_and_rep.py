"""HR erases a closed case and administers users; a rep reads anonymised numbers only."""

from __future__ import annotations

import csv
import io

from tests.web.conftest import report, step


def test_hr_erases_a_closed_case_after_a_page_saying_what_will_be_destroyed(browser):
    mette, henrik = browser("mette"), browser("henrik")
    case_id = report(mette)
    assert step(mette, case_id, "closure", {"outcome": "dismissed", "reason": "Nothing in it."}).status_code == 302
    check = henrik.get(f"/sager/{case_id}/sletning")
    assert "Sletningen kan ikke fortrydes" in check.text and "Jane Doe" in check.text
    version = 2
    done = henrik.post(f"/sager/{case_id}/sletning", {"reason": "Retention over.", "version": str(version)})
    assert done.status_code == 200 and "Personoplysningerne er slettet" in done.text
    page = henrik.get(f"/sager/{case_id}")
    assert "Jane Doe" not in page.text and "E-1042" not in page.text and "mocking caption" not in page.text
    assert "Personoplysningerne er slettet" in page.text
    log = henrik.get(f"/sager/{case_id}/adgangslog")
    assert "henrik" in log.text and "mette" in log.text


def test_hr_sees_integrity_and_retention(browser):
    henrik = browser("henrik")
    report(browser("mette"))
    integrity = henrik.get("/integritet")
    assert "Sporet er intakt" in integrity.text and "Kontrolsum" in integrity.text
    assert henrik.get("/opbevaring").status_code == 200


def test_hr_adds_a_manager_changes_her_units_issues_a_link_and_revokes_her(browser, web_app):
    henrik = browser("henrik")
    added = henrik.post("/brugere", {"user_id": "lone", "role": "manager", "units": "skoler"})
    assert added.status_code == 302
    bad = henrik.post("/brugere", {"user_id": "lone2", "role": "manager", "units": ""})
    assert bad.status_code == 422 and "En leder skal have mindst én enhed" in bad.text
    changed = henrik.post("/brugere/lone", {"role": "manager", "units": "skoler tandplejen"})
    assert changed.status_code == 302
    assert web_app.extensions["breachtrail.users"].account("lone").units == {"skoler", "tandplejen"}
    link = henrik.post("/brugere/lone/link", {}, from_page="/brugere/lone")
    assert "http://127.0.0.1:8000/login/" in link.text
    revoked = henrik.post("/brugere/lone/spaerring", {})
    assert revoked.status_code == 200 and "Brugeren er spærret" in revoked.text
    assert web_app.extensions["breachtrail.users"].account("lone").revoked_at is not None


def test_the_rep_dashboard_hides_small_counts_and_the_csv_has_the_same_numbers(browser):
    mette = browser("mette")
    for _ in range(2):
        report(mette)
    rikke = browser("rikke")
    page = rikke.get("/statistik")
    assert page.status_code == 200
    assert "færre end 5" in page.text or "skjult" in page.text
    assert "Jane Doe" not in page.text and "E-1042" not in page.text and "<svg" in page.text
    assert "Hvorfor nogle tal er skjult" in page.text
    rows = list(csv.reader(io.StringIO(rikke.get("/statistik.csv").data.decode("utf-8-sig"))))
    assert rows[0] == ["Opdelt efter", "Værdi", "Antal sager"]
    for _dimension, label, text in rows[1:]:
        assert text in page.text and label.split(" ", 1)[0] in page.text
    assert rikke.get("/sager").status_code == 403
