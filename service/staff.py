"""``StaffService``: the staff list, review sessions, introductions and coverage (§8 of the draft).

Staff members and review sessions are aggregates in the cases' event store, saved through the
case application so that their events share its transactions, its per-aggregate encryption of
personal data (a key per employee: erasing it erases their name everywhere) and its HMAC chain.
HR keeps the staff list; managers record reviews and introductions in their own units and see
their units' coverage by name; everyone may see the anonymised coverage of every unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.errors import InvalidCaseData
from domain.staff import AcknowledgementMethod, PolicyVersionRef, ReviewSession, StaffMember
from domain.values import Role
from service.acknowledgements import AcknowledgementCheck, AcknowledgementStatus
from service.authorisation import can_see_unit, require_caseworker, require_hr
from service.coverage import AnonymisedCoverage, UnitCoverage, anonymise, unit_coverage
from service.errors import AccessDenied, CaseNotFound, ServiceError
from service.policy_in_force import PolicyInForce
from service.staff_directory import StaffDirectory, StaffRow
from service.staff_import import ImportPlan, StaffEntry, plan_import
from service.users import User
from service.views import CaseView

DEFAULT_INTRODUCTION_DAYS = 30
DEFAULT_STAFF_RETENTION_YEARS = 5
IMPORT_BATCH = 100

Progress = Callable[[int], None]


class StaffMemberNotFound(ServiceError):
    """No such employee on a staff list the user may see."""


class StaffConflict(ServiceError):
    """The staff list changed under the command (another import or edit); nothing was stored."""


class StaffMemberExists(StaffConflict):
    """The employee is on a staff list already: change them instead; nothing was stored."""

    def __init__(self, employee_ref: str):
        self.employee_ref = employee_ref
        super().__init__(f"employee {employee_ref!r} is on a staff list already: change them instead")


@dataclass(frozen=True)
class ReviewView:
    id: str
    unit: str
    held_on: date
    policy: PolicyVersionRef
    led_by: str | None
    participants: list[str]  # employee refs (None for erased ones is left out)
    recorded_by: str


class StaffService:
    """Use cases of the staff list and the policy's roll-out."""

    def __init__(
        self,
        application: Any,
        directory: StaffDirectory,
        policy: PolicyInForce,
        *,
        k: int,
        introduction_days: int = DEFAULT_INTRODUCTION_DAYS,
        retention_years: int = DEFAULT_STAFF_RETENTION_YEARS,
        after_erasure: Callable[[Sequence[UUID]], None] | None = None,
    ):
        self.app = application  # the CaseService: its store, transactions, keys and chain
        # After employees' keys were destroyed (committed): the erasure ledger and a new key epoch.
        self._after_erasure = after_erasure
        self.directory = directory
        self.policy = policy
        self.k = k
        self.introduction_days = introduction_days
        self.retention_years = retention_years
        self.check = AcknowledgementCheck(directory, policy)

    def today(self) -> date:
        today: date = self.app.today()
        return today

    # --- the staff list -----------------------------------------------------------------------

    def list_staff(self, user: User, unit: str) -> list[StaffRow]:
        """The unit's staff list, current and former (HR, the unit's managers)."""
        self._require_unit(user, unit, "read the staff list of")
        return self.directory.unit_members(unit)

    def add_member(
        self, user: User, unit: str, *, employee_ref: str, name: str, start_date: date, end_date: date | None = None
    ) -> StaffRow:
        """Put a new employee on the unit's staff list (HR)."""
        require_hr(user, "edit staff lists")
        if self.directory.member_by_ref(employee_ref) is not None:
            raise StaffMemberExists(employee_ref)
        member = StaffMember.join(actor=user.actor, unit=unit, employee_ref=employee_ref, name=name,
                                  start_date=start_date, end_date=end_date)
        self._save(member)
        return self._row(member)

    def change_member(
        self,
        user: User,
        unit: str,
        employee_ref: str,
        *,
        name: str | None = None,
        start_date: date | None = None,
        end_date: date | None = None,
        clear_end_date: bool = False,
        move_to: str | None = None,
    ) -> StaffRow:
        """Change an employee's details; ``end_date`` marks a leaver (HR)."""
        require_hr(user, "edit staff lists")
        member = self._member(user, unit, employee_ref)
        member.change(
            actor=user.actor, unit=move_to or member.unit, name=name or member.name or "",
            start_date=start_date or member.start_date,
            end_date=None if clear_end_date else (end_date or member.end_date),
        )
        self._save(member)
        return self._row(member)

    def plan_import(self, user: User, unit: str, entries: Sequence[StaffEntry]) -> ImportPlan:
        """What importing ``entries`` as the unit's whole staff list would change (HR)."""
        require_hr(user, "import staff lists")
        if self.app.known_units is not None and unit not in self.app.known_units:
            raise InvalidCaseData.field("unit", "unknown unit; this installation has: "
                                        + ", ".join(sorted(self.app.known_units)))
        elsewhere = {}
        for entry in entries:
            row = self.directory.member_by_ref(entry.employee_ref)
            if row is not None and row.unit != unit:
                elsewhere[entry.employee_ref] = row
        return plan_import(unit, entries, self.directory.unit_members(unit), elsewhere, today=self.today())

    def apply_import(self, user: User, plan: ImportPlan, progress: Progress | None = None) -> ImportPlan:
        """Store a plan, a batch of employees per transaction; re-running the file finishes it."""
        require_hr(user, "import staff lists")
        batch: list[StaffMember] = []

        def flush() -> None:
            if batch:
                self._save(*batch)
                if progress is not None:
                    progress(len(batch))
                batch.clear()

        for entry in plan.additions:
            batch.append(StaffMember.join(actor=user.actor, unit=plan.unit, employee_ref=entry.employee_ref,
                                          name=entry.name, start_date=entry.start_date, end_date=entry.end_date))
            if len(batch) >= IMPORT_BATCH:
                flush()
        for change in [*plan.changes, *plan.leavers]:
            member = self._load_member(change.member_id)
            if member.change(actor=user.actor, unit=change.unit, name=change.name,
                             start_date=change.start_date, end_date=change.end_date):
                batch.append(member)
            if len(batch) >= IMPORT_BATCH:
                flush()
        flush()
        plan.applied = True
        return plan

    # --- reviews and introductions ------------------------------------------------------------

    def record_review(
        self,
        user: User,
        unit: str,
        *,
        held_on: date,
        led_by: str,
        participants: Sequence[str],
        policy: PolicyVersionRef | None = None,
    ) -> ReviewView:
        """A review session of the version in force (or ``policy``); each participant acknowledges it."""
        self._require_unit(user, unit, "record reviews in")
        policy = self._policy_for(unit, held_on, policy)
        members: list[StaffMember] = []
        errors: dict[str, list[str]] = {}
        for index, ref in enumerate(participants):
            row = self.directory.member_by_ref(ref)
            if row is None or row.unit != unit:
                errors[f"participants.{index}"] = [f"{ref!r} is not on the staff list of {unit}"]
            elif not row.employed_on(held_on):
                errors[f"participants.{index}"] = [f"{ref!r} was not employed in {unit} on {held_on.isoformat()}"]
            else:
                members.append(self._load_member(row.member_id))
        if errors:
            raise InvalidCaseData(errors)
        session = ReviewSession.hold(
            actor=user.actor, unit=unit, held_on=held_on, policy=policy, led_by=led_by,
            participant_ids=[str(m.id) for m in members], today=self.today(),
        )
        for member in members:
            member.acknowledge(actor=user.actor, policy=policy, acknowledged_on=held_on,
                               method=AcknowledgementMethod.REVIEW, review_id=str(session.id),
                               today=self.today(), field="held_on")
        self._save(session, *members)
        return ReviewView(str(session.id), unit, held_on, policy, led_by, list(participants), user.id)

    def record_introduction(
        self,
        user: User,
        unit: str,
        employee_ref: str,
        *,
        acknowledged_on: date,
        method: AcknowledgementMethod,
        policy: PolicyVersionRef | None = None,
    ) -> AcknowledgementStatus:
        """A new employee's introduction to the version in force (or ``policy``), by their manager."""
        self._require_unit(user, unit, "record introductions in")
        if method not in AcknowledgementMethod.introduction_methods():
            raise InvalidCaseData.field("method", "an introduction is an intro meeting, e-learning or handed out")
        member = self._member(user, unit, employee_ref)
        policy = self._policy_for(unit, acknowledged_on, policy)
        member.acknowledge(actor=user.actor, policy=policy, acknowledged_on=acknowledged_on, method=method,
                           review_id=None, today=self.today())
        self._save(member)
        return AcknowledgementStatus(policy, True, True, acknowledged_on, method.value)

    # --- coverage -----------------------------------------------------------------------------

    def unit_coverage(self, user: User, unit: str, on: date | None = None) -> UnitCoverage:
        """Who in the unit has and has not acknowledged the version in force (HR, the unit's managers)."""
        self._require_unit(user, unit, "read the coverage by name of")
        return self._coverage(unit, on or self.today())

    def anonymised_coverage(self, user: User, on: date | None = None) -> list[AnonymisedCoverage]:
        """Every unit's coverage, with no count below k and no percentage that gives one (every role)."""
        day = on or self.today()
        return [anonymise(self._coverage(unit, day), self.k) for unit in self.directory.units()]

    def case_acknowledgement(self, user: User, case_id: UUID) -> AcknowledgementStatus:
        """Whether the case's employee had acknowledged the version the case cites, and when (managers, HR)."""
        require_caseworker(user, "read cases")
        return self.acknowledgement_of(self.app.get_case(user, case_id))

    def acknowledgement_of(self, case: CaseView) -> AcknowledgementStatus:
        """As ``case_acknowledgement``, for a case the caller has already read (and so may read):
        a page that shows the case asks this, so that its one view is logged once."""
        ref = case.employee["ref"] if case.employee else None
        warnings: list[date] = [w["issued_on"] for w in case.warnings]
        by = max(warnings) if warnings else self.today()
        return self.check.status(unit=case.unit, employee_ref=ref, occurred_on=case.occurred_on, by=by,
                                 cited=PolicyVersionRef(case.policy["id"], case.policy["version"]))

    # --- erasure ------------------------------------------------------------------------------

    def erasable_leavers(self, user: User) -> list[StaffRow]:
        """Employees who left more than the retention period ago, not yet erased (HR)."""
        require_hr(user, "erase personal data")
        cutoff = self.today() - timedelta(days=round(365.25 * self.retention_years))
        return self.directory.leavers(left_before=cutoff)

    def erase_leavers(self, user: User, *, reason: str, progress: Progress | None = None) -> int:
        """Erase the personal data of every erasable leaver; their acknowledgements stay counted."""
        leavers = self.erasable_leavers(user)
        erased: list[UUID] = []
        try:
            for row in leavers:
                member = self._load_member(row.member_id)
                member.erase_personal_data(actor=user.actor, reason=reason)
                self._save(member)
                erased.append(member.id)
                if progress is not None:
                    progress(1)
        finally:
            # Once for the whole batch, also when it stopped partway: re-wrapping every surviving
            # key is the costly part, and a crash before it is made good at the next start.
            if erased and self._after_erasure is not None:
                self._after_erasure(erased)
        return len(leavers)

    # --- for the roll-out's deadlines (service/roll_out_deadlines.py) ------------------------------

    def units(self) -> list[str]:
        """Every unit with a staff list."""
        return self.directory.units()

    def coverage(self, unit: str, on: date) -> UnitCoverage:
        """The unit's coverage on ``on``, unchecked: the caller decides what of it a user sees."""
        return self._coverage(unit, on)

    # --- internals ----------------------------------------------------------------------------

    def _coverage(self, unit: str, on: date) -> UnitCoverage:
        members = self.directory.unit_members(unit)
        acks = self.directory.acknowledgements([m.member_id for m in members])
        return unit_coverage(unit, members, acks, self.policy.version_in_force(unit, on), on=on,
                             grace_days=self.introduction_days)

    def _policy_for(self, unit: str, on: date, policy: PolicyVersionRef | None) -> PolicyVersionRef:
        if policy is not None:
            return policy
        found = self.policy.version_in_force(unit, on)
        if found is None:
            raise InvalidCaseData.field("policy", f"no policy is in force in {unit} on {on.isoformat()}: name one")
        return found

    def _require_unit(self, user: User, unit: str, action: str) -> None:
        require_caseworker(user, f"{action} units")
        if not can_see_unit(user, unit):
            raise AccessDenied(f"user '{user.id}' may not {action} unit '{unit}'")

    def _member(self, user: User, unit: str, employee_ref: str) -> StaffMember:
        row = self.directory.member_by_ref(employee_ref)
        if row is None or row.unit != unit or not (user.role is Role.HR or can_see_unit(user, row.unit)):
            raise StaffMemberNotFound(f"no employee {employee_ref!r} on the staff list of {unit}")
        return self._load_member(row.member_id)

    def _load_member(self, member_id: str) -> StaffMember:
        try:
            member = self.app.repository.get(UUID(member_id))
        except AggregateNotFoundError:
            raise StaffMemberNotFound(f"no staff member {member_id}") from None
        if not isinstance(member, StaffMember):
            raise CaseNotFound(member_id)
        return member

    def _save(self, *aggregates: Any) -> None:
        try:
            self.app.save(*aggregates)
        except IntegrityError:
            raise StaffConflict("the staff list was changed by someone else meanwhile; nothing was stored, "
                                "try again") from None

    @staticmethod
    def _row(member: StaffMember) -> StaffRow:
        return StaffRow(str(member.id), member.version, member.unit, member.employee_ref, member.name,
                        member.start_date, member.end_date, member.erased_at is not None)
