"""The policy's roll-out joins the deadlines: a new starter's missing introduction, an overdue consultation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.policy_text import load_default_policy, render_policy_text
from service.cases import CaseService
from service.staff import StaffService
from tests.integration.test_staff import cases, hand_computed_unit, policy, staff  # noqa: F401 (fixtures)
from tests.scenarios import HR, MANAGER, OTHER_MANAGER, TODAY


def test_a_new_starter_without_an_introduction_is_a_task_of_the_units_manager_without_a_name(
    staff: StaffService, cases: CaseService  # noqa: F811
) -> None:
    hand_computed_unit(staff)

    [task] = cases.deadlines(MANAGER, kind="introduction_missing")

    member = next(m for m in staff.unit_coverage(HR, "tandplejen").missing if m.employee_ref == "T-060")
    assert (task.subject, task.subject_id, task.unit) == ("employee", member.member_id, "tandplejen")
    assert (task.due_on, task.overdue) == (TODAY - timedelta(days=10), True)
    assert "T-060" not in repr(task) and "Ny For Nylig" not in repr(task)
    assert [t.subject_id for t in cases.deadlines(HR, kind="introduction_missing")] == [member.member_id]
    assert cases.deadlines(OTHER_MANAGER, kind="introduction_missing") == []


def test_a_consultation_past_its_deadline_with_bodies_missing_is_hrs_task(cases: CaseService) -> None:  # noqa: F811
    policies = cases.policies
    assert policies is not None
    draft = load_default_policy()
    revised = replace(draft, title_en=draft.title_en + " (revised)")
    policies.revise(HR, draft.key, text=render_policy_text(revised))
    policies.send_to_consultation(HR, draft.key, 2, bodies=["LMU Tandplejen", "LMU Skoler"],
                                  sent_on=TODAY - timedelta(days=20), deadline=TODAY - timedelta(days=2))

    [task] = cases.deadlines(HR, kind="consultation_deadline")

    assert (task.subject, task.subject_id, task.due_on, task.overdue) == (
        "policy", f"{draft.key}:2", TODAY - timedelta(days=2), True)
    assert cases.deadlines(MANAGER, kind="consultation_deadline") == []
