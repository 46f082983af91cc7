"""§8 on the case page: had the employee acknowledged the policy the case cites, and a warning's reason if not."""

from __future__ import annotations

import os
import re
from pathlib import Path
from uuid import UUID

import pytest

from adapters.composition import close_case_service
from adapters.config import Settings
from adapters.web.app import create_app
from domain.values import Role
from service.users import User
from tests.web.conftest import Browser, days_ago, report, step

HR = User("henrik", Role.HR, frozenset())
REASON_FIELD = "warnings-unacknowledged_policy_reason"
WARNING = {"issued_on": days_ago(0), "text": "Skriftlig advarsel for billedet."}


@pytest.fixture
def staffed(browser):  # type: ignore[no-untyped-def]
    """Tandplejen keeps a staff list: Jane Doe (E-1042) and Ole Olsen, neither acknowledged yet."""
    henrik = browser("henrik")
    for ref, name in (("E-1042", "Jane Doe"), ("E-2001", "Ole Olsen")):
        answer = henrik.post("/medarbejdere/tandplejen", {"employee_ref": ref, "name": name,
                                                          "start_date": days_ago(400), "change": "0"})
        assert answer.status_code == 302, answer.text
    return henrik


def heard_case(b: Browser) -> str:
    """A case in tandplejen about E-1042, taken to where a warning may be given."""
    case_id = report(b)
    assert step(b, case_id, "assessment", {"work_environment_issue": "yes", "severity": "high"}).status_code == 302
    talk = {"held_on": days_ago(14), "participants": "Mette\nJane Doe", "union_rep_present": "no",
            "summary": "Went through 4.3."}
    assert step(b, case_id, "talks", talk).status_code == 302
    assert step(b, case_id, "statements", {"received_on": days_ago(1), "summary": "She regrets it."}).status_code == 302
    return case_id


def test_an_unacknowledged_employee_is_warned_only_with_a_reason_which_the_timeline_shows(browser, staffed, web_app):
    mette = browser("mette")
    case_id = heard_case(mette)
    cases = web_app.extensions["breachtrail.cases"]
    page = mette.get(f"/sager/{case_id}")
    assert "Kendskab til retningslinjerne (§ 8)" in page.text
    assert "Nej. Der er ikke registreret nogen kvittering fra medarbejderen" in page.text
    assert "Medarbejderen har ikke kvitteret for retningslinjerne" in page.text
    assert f'<textarea id="{REASON_FIELD}" name="{REASON_FIELD}"' in page.text
    before = cases.get_case(HR, UUID(case_id)).version

    refused = step(mette, case_id, "warnings", WARNING)
    assert refused.status_code == 422
    assert "Der er problemer" in refused.text and f'href="#{REASON_FIELD}"' in refused.text
    assert f'id="{REASON_FIELD}-error"' in refused.text and "Skriv, hvorfor advarslen gives" in refused.text
    assert "Skriftlig advarsel for billedet." in refused.text  # what was typed is kept
    after = cases.get_case(HR, UUID(case_id))
    assert after.version == before and after.warnings == []

    reason = "Reglen blev gennemgået mundtligt på personalemødet i marts."
    issued = step(mette, case_id, "warnings", {**WARNING, "unacknowledged_policy_reason": reason})
    assert issued.status_code == 302, issued.text
    [entry] = [e for e in cases.history(HR, UUID(case_id)) if e.type == "WarningIssued"]
    assert entry.actor == {"id": "mette", "role": "manager"}
    assert entry.data["unacknowledged_policy_reason"] == reason
    henrik = browser("henrik")
    timeline = henrik.get(f"/sager/{case_id}")
    assert "Givet uden kvittering for version" in timeline.text and reason in timeline.text
    henrik.post("/sprog", {"lang": "en", "next": f"/sager/{case_id}"}, from_page=f"/sager/{case_id}")
    english = henrik.get(f"/sager/{case_id}")
    assert "Knowledge of the policy (§ 8)" in english.text and "Given without an acknowledgement" in english.text


def test_a_blank_reason_is_no_reason(browser, staffed, web_app):
    mette = browser("mette")
    case_id = heard_case(mette)
    refused = step(mette, case_id, "warnings", {**WARNING, "unacknowledged_policy_reason": "   "})
    assert refused.status_code == 422 and f'href="#{REASON_FIELD}"' in refused.text
    assert web_app.extensions["breachtrail.cases"].get_case(HR, UUID(case_id)).warnings == []


def test_an_acknowledged_employee_is_warned_without_being_asked_for_a_reason(browser, staffed, web_app):
    intro = staffed.post("/medarbejdere/tandplejen/introduktion",
                         {"employee_ref": "E-1042", "acknowledged_on": days_ago(30), "method": "intro_meeting"})
    assert intro.status_code == 302, intro.text
    mette = browser("mette")
    case_id = heard_case(mette)
    page = mette.get(f"/sager/{case_id}")
    assert "Ja. Medarbejderen kvitterede for version" in page.text and "introduktionsmøde" in page.text
    assert REASON_FIELD not in page.text
    assert step(mette, case_id, "warnings", WARNING).status_code == 302
    [entry] = [e for e in web_app.extensions["breachtrail.cases"].history(HR, UUID(case_id))
               if e.type == "WarningIssued"]
    assert entry.data["unacknowledged_policy_reason"] is None


def test_a_unit_without_a_staff_list_says_so_and_asks_for_no_reason(browser):
    mette = browser("mette")
    case_id = heard_case(mette)
    page = mette.get(f"/sager/{case_id}")
    assert "Enheden tandplejen fører ikke medarbejderliste i breachtrail" in page.text
    assert REASON_FIELD not in page.text
    assert step(mette, case_id, "warnings", WARNING).status_code == 302


def test_an_employee_missing_from_the_units_staff_list_is_named_as_missing(browser, staffed):
    mette = browser("mette")
    case_id = report(mette, employee_ref="E-9999")
    page = mette.get(f"/sager/{case_id}")
    assert "står ikke på nogen medarbejderliste" in page.text and "E-9999" in page.text


def test_the_coverage_page_hides_counts_under_the_configured_k(database_url: str, key_dir: Path):
    settings = Settings(database_url=database_url, master_key=os.urandom(32), key_dir=key_dir, statistics_k=7)
    app = create_app({"SETTINGS": settings})
    app.testing = True
    try:
        app.extensions["breachtrail.users"].add("henrik", Role.HR, [])
        henrik = Browser(app).sign_in("henrik")
        for ref in ("E-1", "E-2", "E-3"):
            answer = henrik.post("/medarbejdere/tandplejen", {"employee_ref": ref, "name": f"Person {ref}",
                                                              "start_date": days_ago(400), "change": "0"})
            assert answer.status_code == 302, answer.text
        page = henrik.get("/medarbejdere")
        assert "færre end 7" in page.text and "færre end 5" not in page.text
        assert not re.search(r'align-text-right">3</td>\s*<td class="align-text-right">0', page.text)
    finally:
        close_case_service(app.extensions["breachtrail.cases"])
