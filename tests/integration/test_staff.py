"""The staff list, reviews, introductions and coverage, on a real database (both backends)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from adapters.composition import build_staff_service
from adapters.config import Settings
from domain.errors import InvalidCaseData, PolicyNotAcknowledged
from domain.staff import AcknowledgementMethod, PolicyVersionRef
from domain.values import Status
from service.cases import CaseService
from service.errors import AccessDenied
from service.staff import StaffService
from service.staff_import import parse_staff_csv
from tests.scenarios import HR, MANAGER, OTHER_MANAGER, REP, TODAY, case_in, report

V1 = PolicyVersionRef("tandplejen-udkast-2026", 1)
V2 = PolicyVersionRef("tandplejen-udkast-2026", 2)
LONG_AGO = TODAY - timedelta(days=3 * 365)


def csv_of(rows: list[tuple[str, str, date, date | None]]) -> str:
    lines = ["employee_ref,name,start_date,end_date"]
    lines += [f"{ref},{name},{start.isoformat()},{end.isoformat() if end else ''}" for ref, name, start, end in rows]
    return "\n".join(lines) + "\n"


STAFF = [(f"T-{n:03d}", f"Ansat Nummer {n}", LONG_AGO, None) for n in range(1, 11)]


class SwitchablePolicy:
    """Version 1 in force until ``v2_from``, version 2 from then on."""

    def __init__(self) -> None:
        self.v2_from: date | None = None

    def version_in_force(self, unit: str, on: date) -> PolicyVersionRef | None:
        return V2 if self.v2_from is not None and on >= self.v2_from else V1


@pytest.fixture
def policy() -> SwitchablePolicy:
    return SwitchablePolicy()


@pytest.fixture
def cases(database_url: str, policy: SwitchablePolicy) -> CaseService:
    from adapters.composition import build_case_service, close_case_service
    service = build_case_service(Settings(database_url=database_url), policy_in_force=policy)
    yield service
    close_case_service(service)


@pytest.fixture
def staff(cases: CaseService, database_url: str) -> StaffService:
    return build_staff_service(cases, Settings(database_url=database_url))


def import_file(staff: StaffService, text: str, unit: str = "tandplejen") -> Callable[[], object]:
    plan = staff.plan_import(HR, unit, parse_staff_csv(text))
    staff.apply_import(HR, plan)
    return plan


def test_importing_the_same_file_twice_changes_nothing_the_second_time(staff: StaffService, cases: CaseService):
    first = import_file(staff, csv_of(STAFF))
    assert len(first.additions) == 10 and not first.changes and not first.leavers
    head = cases.recorder.max_notification_id()
    again = staff.plan_import(HR, "tandplejen", parse_staff_csv(csv_of(STAFF)))
    assert (len(again.additions), len(again.changes), len(again.leavers), again.unchanged) == (0, 0, 0, 10)
    staff.apply_import(HR, again)
    assert cases.recorder.max_notification_id() == head
    names = {row.employee_ref: row.name for row in staff.list_staff(HR, "tandplejen")}
    assert names["T-001"] == "Ansat Nummer 1"


def test_a_dry_run_stores_nothing_and_a_missing_employee_becomes_a_leaver(staff: StaffService, cases: CaseService):
    import_file(staff, csv_of(STAFF))
    changed = [*STAFF[:8], ("T-009", "Ansat Omdøbt", LONG_AGO, None), ("T-011", "Ny Ansat", TODAY, None)]
    head = cases.recorder.max_notification_id()
    plan = staff.plan_import(HR, "tandplejen", parse_staff_csv(csv_of(changed)))
    assert [e.employee_ref for e in plan.additions] == ["T-011"]
    assert [(c.employee_ref, c.fields) for c in plan.changes] == [("T-009", ["name"])]
    assert [(c.employee_ref, c.end_date) for c in plan.leavers] == [("T-010", TODAY)]
    assert cases.recorder.max_notification_id() == head  # planning is a dry run
    staff.apply_import(HR, plan)
    rows = {r.employee_ref: r for r in staff.list_staff(HR, "tandplejen")}
    assert rows["T-010"].end_date == TODAY and rows["T-009"].name == "Ansat Omdøbt" and "T-011" in rows


def test_a_bad_file_names_every_bad_line_and_stores_nothing():
    text = "employee_ref;name;start_date\nA-1;Anna;2024-13-01\nA-1;Anna igen;01-02-2024\n;Uden Nummer;2024-01-01\n"
    with pytest.raises(InvalidCaseData) as raised:
        parse_staff_csv(text)
    assert set(raised.value.errors) == {"line 2.start_date", "line 3.employee_ref", "line 4.employee_ref"}


def test_only_hr_imports_and_a_manager_sees_only_their_own_units(staff: StaffService):
    with pytest.raises(AccessDenied):
        staff.plan_import(MANAGER, "tandplejen", parse_staff_csv(csv_of(STAFF)))
    import_file(staff, csv_of(STAFF))
    assert len(staff.list_staff(MANAGER, "tandplejen")) == 10
    for user in (OTHER_MANAGER, REP):
        with pytest.raises(AccessDenied):
            staff.list_staff(user, "tandplejen")
        with pytest.raises(AccessDenied):
            staff.unit_coverage(user, "tandplejen")


def hand_computed_unit(staff: StaffService) -> None:
    """12 on file: 10 current from long ago, 1 left last year, 1 new starter 40 days ago."""
    rows = [*STAFF, ("T-050", "Gået Tidligere", LONG_AGO, TODAY - timedelta(days=365)),
            ("T-060", "Ny For Nylig", TODAY - timedelta(days=40), None)]
    import_file(staff, csv_of(rows))
    staff.record_review(MANAGER, "tandplejen", held_on=TODAY - timedelta(days=20), led_by="Mette Madsen",
                        participants=["T-001", "T-002", "T-003", "T-004", "T-005"])
    staff.record_introduction(MANAGER, "tandplejen", "T-006", acknowledged_on=TODAY - timedelta(days=10),
                              method=AcknowledgementMethod.E_LEARNING)


def test_coverage_counts_current_employees_who_acknowledged_the_version_in_force(staff: StaffService):
    hand_computed_unit(staff)
    coverage = staff.unit_coverage(MANAGER, "tandplejen")
    # 11 current (the leaver is not), 6 acknowledged (5 in the review, 1 introduction), 5 missing.
    assert (coverage.employees, coverage.acknowledged, coverage.missing_count) == (11, 6, 5)
    assert coverage.policy == V1
    assert sorted(m.employee_ref for m in coverage.missing) == ["T-007", "T-008", "T-009", "T-010", "T-060"]
    overdue = coverage.introductions_overdue
    assert [(m.employee_ref, m.introduction_due_on) for m in overdue] == [("T-060", TODAY - timedelta(days=10))]
    anonymous = staff.anonymised_coverage(REP)
    assert [(a.unit, a.employees, a.missing, a.coverage_percent_min, a.coverage_percent_max)
            for a in anonymous] == [("tandplejen", 11, 5, 54, 54)]  # floor(6/11) = 54 %


def test_a_missing_count_below_k_is_never_given_nor_a_percentage_that_gives_it(staff: StaffService):
    hand_computed_unit(staff)
    answers = []
    for ref in ["T-007", "T-008", "T-009", "T-010", "T-060"]:
        staff.record_introduction(MANAGER, "tandplejen", ref, acknowledged_on=TODAY,
                                  method=AcknowledgementMethod.HANDED_OUT)
        [row] = staff.anonymised_coverage(REP)
        answers.append((row.missing, row.missing_under_k, row.coverage_percent_min, row.coverage_percent_max))
    # 4, 3, 2, 1, then 0 missing: one and the same answer every time (k = 5).
    assert set(answers) == {(None, True, 63, 100)}  # floor(100 * (11 - 4) / 11)


def test_a_new_version_in_force_starts_the_units_coverage_at_zero(staff: StaffService, policy: SwitchablePolicy):
    hand_computed_unit(staff)
    policy.v2_from = TODAY
    coverage = staff.unit_coverage(HR, "tandplejen")
    assert (coverage.policy, coverage.acknowledged, coverage.missing_count) == (V2, 0, 11)
    before = staff.unit_coverage(HR, "tandplejen", on=TODAY - timedelta(days=1))
    assert (before.policy, before.acknowledged) == (V1, 6)  # the older acknowledgements are kept
    staff.record_review(HR, "tandplejen", held_on=TODAY, led_by="Henrik HR", participants=["T-001"])
    assert staff.unit_coverage(HR, "tandplejen").acknowledged == 1


def test_a_warning_to_an_employee_who_never_acknowledged_needs_a_reason(staff: StaffService, cases: CaseService):
    hand_computed_unit(staff)
    unacknowledged = case_in(cases, Status.TALK_HELD)
    cid = report(cases, employee_ref="T-007")
    from tests.scenarios import INCIDENT_DAY, PATHS, case_id
    for move in PATHS[Status.TALK_HELD]:
        move(cases, case_id(cid))
    cases.record_statement(MANAGER, case_id(cid), received_on=INCIDENT_DAY + timedelta(days=12), summary="Sorry.")
    assert not staff.case_acknowledgement(MANAGER, case_id(cid)).acknowledged
    head = cases.recorder.max_notification_id()
    with pytest.raises(PolicyNotAcknowledged) as refused:
        cases.issue_warning(MANAGER, case_id(cid), issued_on=TODAY, text="Skriftlig advarsel.")
    assert refused.value.policy == V1
    assert cases.recorder.max_notification_id() == head
    view = cases.issue_warning(MANAGER, case_id(cid), issued_on=TODAY, text="Skriftlig advarsel.",
                               unacknowledged_policy_reason="Told in person at the staff meeting in March.")
    assert view.status == "warning_issued"
    [entry] = [e for e in cases.history(HR, case_id(cid)) if e.type == "WarningIssued"]
    assert entry.actor == {"id": MANAGER.id, "role": "manager"}
    assert entry.data["unacknowledged_policy_reason"] == "Told in person at the staff meeting in March."
    assert (entry.data["unacknowledged_policy_id"], entry.data["unacknowledged_policy_version"]) == (V1.policy_id, 1)
    assert unacknowledged  # an employee on no staff list: see the next test


def test_an_acknowledged_employee_is_warned_without_a_reason(staff: StaffService, cases: CaseService):
    hand_computed_unit(staff)
    from tests.scenarios import INCIDENT_DAY, PATHS, case_id
    cid = case_id(report(cases, employee_ref="T-001"))
    for move in PATHS[Status.TALK_HELD]:
        move(cases, cid)
    cases.record_statement(MANAGER, cid, received_on=INCIDENT_DAY + timedelta(days=12), summary="Sorry.")
    status = staff.case_acknowledgement(HR, cid)
    assert (status.acknowledged_on, status.method) == (TODAY - timedelta(days=20), "review")
    cases.issue_warning(MANAGER, cid, issued_on=TODAY, text="Skriftlig advarsel.")
    [entry] = [e for e in cases.history(HR, cid) if e.type == "WarningIssued"]
    assert entry.data["unacknowledged_policy_reason"] is None


def test_erasing_a_leaver_keeps_the_counts_and_the_chain(staff: StaffService, cases: CaseService, database_url: str):
    old = TODAY - timedelta(days=10 * 365)
    import_file(staff, csv_of([("L-1", "Lene Leaver", old, old + timedelta(days=400)), *STAFF[:5]]))
    staff.record_review(HR, "tandplejen", held_on=old + timedelta(days=100), led_by="Henrik HR",
                        participants=["L-1"])
    on = old + timedelta(days=200)
    before = staff.unit_coverage(HR, "tandplejen", on=on)
    assert [r.employee_ref for r in staff.erasable_leavers(HR)] == ["L-1"]
    assert staff.erase_leavers(HR, reason="Left more than five years ago.") == 1
    after = staff.unit_coverage(HR, "tandplejen", on=on)
    assert (after.employees, after.acknowledged) == (before.employees, before.acknowledged) == (1, 1)
    assert after.covered[0].name is None and after.covered[0].employee_ref is None
    from tests.databases import full_dump
    assert "Lene Leaver" not in full_dump(database_url)
    assert cases.verify_chain(HR).ok if hasattr(cases, "verify_chain") else cases.chain.verify().ok


def test_the_import_command_shows_a_dry_run_then_imports_once(database_url: str, tmp_path) -> None:
    from click.testing import CliRunner

    from adapters.cli.main import main
    file = tmp_path / "staff.csv"
    file.write_text(csv_of(STAFF[:3]), encoding="utf-8")
    env = {"BREACHTRAIL_DATABASE_URL": database_url, "BREACHTRAIL_MASTER_KEY_FILE": str(tmp_path / "k")}
    runner = CliRunner()
    dry = runner.invoke(main, ["staff", "import", str(file), "--unit", "tandplejen", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "3 to add" in dry.output and "dry run: nothing stored" in dry.output
    done = runner.invoke(main, ["staff", "import", str(file), "--unit", "tandplejen"], env=env)
    assert done.exit_code == 0 and "imported: 3 added" in done.output, done.output
    again = runner.invoke(main, ["staff", "import", str(file), "--unit", "tandplejen"], env=env)
    assert "3 unchanged" in again.output and "nothing to change" in again.output
    file.write_text("employee_ref,name\nA,B\n", encoding="utf-8")
    bad = runner.invoke(main, ["staff", "import", str(file), "--unit", "tandplejen"], env=env)
    assert bad.exit_code == 1 and "start_date" in bad.output


def test_the_acknowledgement_facts_are_the_list_the_member_and_their_acknowledgements(staff: StaffService):
    old = TODAY - timedelta(days=10 * 365)
    import_file(staff, csv_of([("L-1", "Lene Leaver", old, old + timedelta(days=400)), *STAFF[:2]]))
    staff.record_review(HR, "tandplejen", held_on=TODAY, led_by="Henrik HR", participants=["T-001"])
    directory = staff.directory
    kept, member, acknowledged = directory.acknowledgement_facts("tandplejen", "T-001")
    assert kept and member is not None and member.employee_ref == "T-001"
    assert [a.member_id for a in acknowledged] == [member.member_id]
    assert directory.acknowledgement_facts("skoler", "T-002")[:2] == (False, directory.member_by_ref("T-002"))
    assert directory.acknowledgement_facts("tandplejen", "X-999") == (True, None, [])
    staff.erase_leavers(HR, reason="Left more than five years ago.")
    # An erased case has no reference: it matches no one, not the erased leaver (no reference either).
    assert directory.acknowledgement_facts("tandplejen", None) == (True, None, [])
