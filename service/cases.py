"""``CaseService``: every use case of a case, as one eventsourcing application.

Each command authorises the user, loads the case, calls one domain method and saves the
new event. A plain step that loses a race with another writer is retried on the fresh
state (so the domain's rules are checked again); a step that named the version it expects
is never retried, it fails with ``VersionMismatch``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Recording

from domain.case import Case
from domain.deadlines import DeadlineRules
from domain.errors import InvalidCaseData
from domain.policy_in_force import Citation, default_citation
from domain.staff import PolicyVersionRef
from domain.validation import DateBounds, report_errors
from domain.values import Channel, Outcome, Severity, Step
from service.access_log import AccessLog
from service.acknowledgements import AcknowledgementCheck
from service.after_commit import AfterCommit
from service.authorisation import can_see_unit, require_caseworker, require_step_role
from service.case_list import CaseListStore
from service.case_queries import CaseQueries
from service.case_storage import CaseStorage
from service.deadlines import DeadlineQueries, DeadlineSource
from service.errors import (
    AccessDenied,
    ConcurrentModification,
    VersionMismatch,
)
from service.integrity import EventChain
from service.personal_data import KeyRing
from service.policies import PolicyService
from service.projections import CaseListProjection, EventLog
from service.statistics import Statistics
from service.statistics_use_cases import StatisticsUseCases
from service.users import User
from service.views import CaseView, case_view

logger = logging.getLogger(__name__)

DEFAULT_SNAPSHOT_INTERVAL = 25
DEFAULT_MAX_ATTEMPTS = 8

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CaseService(StatisticsUseCases, CaseQueries, DeadlineQueries, CaseStorage, Application[UUID]):
    """The case-handling application: report, take steps, read cases and their trails."""

    name = "cases"
    is_snapshotting_enabled = True

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        known_units: frozenset[str] | None = None,
        clock: Clock = _utc_now,
        snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        case_list: Callable[[CaseService], CaseListStore] | None = None,
        statistics: Callable[[CaseService], Statistics] | None = None,
        project_inline: bool = True,
        key_ring: Callable[[CaseService], KeyRing] | None = None,
        transaction: Callable[[CaseService], Callable[[], AbstractContextManager[Any]]] | None = None,
        on_erased: Callable[[CaseService, UUID], None] | None = None,
        after_record: Sequence[Callable[[CaseService, list[Recording[UUID]]], None]] = (),
        chain: Callable[[CaseService], EventChain] | None = None,
        access_log: Callable[[CaseService], AccessLog] | None = None,
        deadline_rules: DeadlineRules | None = None,
        deadline_sources: Sequence[DeadlineSource] = (),
        acknowledgement_check: Callable[[CaseService], AcknowledgementCheck] | None = None,
        policies: PolicyService | None = None,
        date_bounds: DateBounds | None = None,
        after_erasure: Callable[[CaseService, UUID], None] | None = None,
        after_commit: AfterCommit | None = None,
    ):
        # Needed while the base class builds the mapper, so set before it runs.
        self._key_ring_factory = key_ring
        #: What is remembered only once its transaction commits (see service.after_commit).
        self.after_commit = after_commit
        super().__init__(env)
        self._transaction = transaction(self) if transaction else nullcontext
        self._on_erased = on_erased
        self._after_erasure = after_erasure
        self._after_record = tuple(after_record)
        self.chain: EventChain | None = chain(self) if chain else None
        self.known_units = known_units
        #: The days a client may name; the statistics' ranges are bounded by them too.
        self.date_bounds = date_bounds or DateBounds()
        self.clock = clock
        self.snapshot_interval = snapshot_interval
        self.max_attempts = max_attempts
        # Built from the application because it must share the event store's transactions.
        self.case_list: CaseListStore | None = case_list(self) if case_list else None
        self._statistics: Statistics | None = statistics(self) if statistics else None
        self.case_list_projection = (
            CaseListProjection(self.case_list, EventLog(self),
                               self._statistics.store if self._statistics is not None else None,
                               after_commit)
            if self.case_list is not None else None
        )
        self.project_inline = project_inline
        self.access_log: AccessLog | None = access_log(self) if access_log else None
        self.deadline_rules = deadline_rules or DeadlineRules()
        # Deadlines of other aggregates (consultations, introductions) join the cases' here.
        self.deadline_sources: list[DeadlineSource] = list(deadline_sources)
        # Staff members share this event store (and chain); the check reads their list.
        self.acknowledgement_check = acknowledgement_check(self) if acknowledgement_check else None
        #: Where the text in force comes from; without it, the default draft is in force everywhere.
        self.policies = policies

    # --- commands -----------------------------------------------------------------------------

    def report_incident(
        self,
        user: User,
        *,
        unit: str,
        employee_ref: str,
        employee_name: str | None,
        occurred_on: date,
        rules: Sequence[str],
        channel: Channel,
        description: str,
    ) -> CaseView:
        """Open a new case in ``unit``; managers may only report in their own units."""
        require_caseworker(user, "report incidents")
        if self.known_units is not None and unit not in self.known_units:
            known = ", ".join(sorted(self.known_units))
            raise InvalidCaseData.field("unit", f"unknown unit; this installation has: {known}")
        if not can_see_unit(user, unit):
            raise AccessDenied(f"user '{user.id}' may not report incidents in unit '{unit}'")
        today = self.today()
        implausible = self.date_bounds.errors(today, past={"occurred_on": occurred_on})
        if implausible:
            # Every field's errors at once, as the report's own check would give them.
            errors = report_errors(
                unit=unit, employee_ref=employee_ref, employee_name=employee_name, occurred_on=occurred_on,
                rules=rules, description=description, today=today,
            )
            errors.pop("occurred_on", None)
            raise InvalidCaseData({**errors, **implausible})
        case = Case.report(
            actor=user.actor,
            unit=unit,
            employee_ref=employee_ref,
            employee_name=employee_name,
            occurred_on=occurred_on,
            rules=rules,
            channel=channel,
            description=description,
            today=today,
            policy=self.policy_in_force(unit, occurred_on),
        )
        self.save(case)
        return case_view(case, self.today())

    def policy_in_force(self, unit: str, on: date) -> Citation | None:
        """The text a case in ``unit`` on ``on`` cites (from memory: no query per report)."""
        if self.policies is None:
            return default_citation()
        return self.policies.version_in_force(unit, on)

    def assess(
        self,
        user: User,
        case_id: UUID,
        *,
        work_environment_issue: bool,
        severity: Severity,
        notes: str | None = None,
        expected_version: int | None = None,
    ) -> CaseView:
        return self._step(
            user, case_id, Step.ASSESSMENT, expected_version,
            lambda case: case.assess(
                actor=user.actor, work_environment_issue=work_environment_issue,
                severity=severity, notes=notes,
            ),
        )

    def open_hearing(
        self,
        user: User,
        case_id: UUID,
        *,
        sent_on: date,
        deadline: date | None = None,
        expected_version: int | None = None,
    ) -> CaseView:
        self._check_dates(past={"sent_on": sent_on}, ahead={"deadline": deadline})
        return self._step(
            user, case_id, Step.HEARING, expected_version,
            lambda case: case.open_hearing(
                actor=user.actor, sent_on=sent_on, deadline=deadline, today=self.today()
            ),
        )

    def record_statement(
        self,
        user: User,
        case_id: UUID,
        *,
        received_on: date,
        summary: str,
        expected_version: int | None = None,
    ) -> CaseView:
        self._check_dates(past={"received_on": received_on})
        return self._step(
            user, case_id, Step.STATEMENT, expected_version,
            lambda case: case.record_statement(
                actor=user.actor, received_on=received_on, summary=summary, today=self.today()
            ),
        )

    def hold_talk(
        self,
        user: User,
        case_id: UUID,
        *,
        held_on: date,
        participants: Sequence[str],
        union_rep_present: bool,
        summary: str,
        expected_version: int | None = None,
    ) -> CaseView:
        self._check_dates(past={"held_on": held_on})
        return self._step(
            user, case_id, Step.TALK, expected_version,
            lambda case: case.hold_talk(
                actor=user.actor, held_on=held_on, participants=participants,
                union_rep_present=union_rep_present, summary=summary, today=self.today(),
            ),
        )

    def issue_warning(
        self,
        user: User,
        case_id: UUID,
        *,
        issued_on: date,
        text: str,
        valid_until: date | None = None,
        unacknowledged_policy_reason: str | None = None,
        expected_version: int | None = None,
    ) -> CaseView:
        """Issue a written warning; to an employee who had not acknowledged the policy the case
        cites, only with ``unacknowledged_policy_reason``, which is stored with the warning."""
        self._check_dates(past={"issued_on": issued_on}, ahead={"valid_until": valid_until})
        return self._step(
            user, case_id, Step.WARNING, expected_version,
            lambda case: case.issue_warning(
                actor=user.actor, issued_on=issued_on, text=text, valid_until=valid_until,
                today=self.today(), unacknowledged_policy=self._unacknowledged_policy(case, issued_on),
                unacknowledged_policy_reason=unacknowledged_policy_reason,
            ),
        )

    def _unacknowledged_policy(self, case: Case, by: date) -> PolicyVersionRef | None:
        """The policy version the case cites, when its employee had not acknowledged it by ``by``."""
        if self.acknowledgement_check is None or case.employee is None:
            return None
        if case.unit not in self.acknowledgement_check.directory.units():
            return None  # a unit with no staff list here never requires a reason: no member to look up
        status = self.acknowledgement_check.status(
            unit=case.unit, employee_ref=case.employee.ref, occurred_on=case.occurred_on, by=by,
            cited=PolicyVersionRef(case.policy_id, case.policy_version),
        )
        return status.policy if status.requires_reason else None

    def escalate(
        self, user: User, case_id: UUID, *, reason: str, expected_version: int | None = None
    ) -> CaseView:
        return self._step(
            user, case_id, Step.ESCALATION, expected_version,
            lambda case: case.escalate(actor=user.actor, reason=reason),
        )

    def add_note(
        self, user: User, case_id: UUID, *, text: str, expected_version: int | None = None
    ) -> CaseView:
        return self._step(
            user, case_id, Step.NOTE, expected_version,
            lambda case: case.add_note(actor=user.actor, text=text),
        )

    def close_case(
        self,
        user: User,
        case_id: UUID,
        *,
        outcome: Outcome,
        reason: str,
        expected_version: int | None = None,
    ) -> CaseView:
        return self._step(
            user, case_id, Step.CLOSURE, expected_version,
            lambda case: case.close(actor=user.actor, outcome=outcome, reason=reason),
        )

    def reopen(
        self, user: User, case_id: UUID, *, reason: str, expected_version: int | None = None
    ) -> CaseView:
        return self._step(
            user, case_id, Step.REOPENING, expected_version,
            lambda case: case.reopen(actor=user.actor, reason=reason),
        )

    def erase_personal_data(
        self, user: User, case_id: UUID, *, reason: str, expected_version: int | None = None
    ) -> CaseView:
        view = self._step(
            user, case_id, Step.ERASURE, expected_version,
            lambda case: case.erase_personal_data(actor=user.actor, reason=reason),
        )
        if self._after_erasure is not None:
            # After the commit: a new key epoch, so no old copy of the destroyed key can be opened.
            self._after_erasure(self, case_id)
        return view

    # --- internals ----------------------------------------------------------------------------

    def _check_dates(
        self, *, past: dict[str, date | None], ahead: dict[str, date | None] | None = None
    ) -> None:
        """Refuse implausible days before anything is loaded or stored."""
        errors = self.date_bounds.errors(self.today(), past=past, ahead=ahead)
        if errors:
            raise InvalidCaseData(errors)

    def _step(
        self,
        user: User,
        case_id: UUID,
        step: Step,
        expected_version: int | None,
        act: Callable[[Case], Any],
    ) -> CaseView:
        require_step_role(user, step)
        for attempt in range(self.max_attempts):
            if attempt:
                # Writers that collided retry at spread-out moments, so they do not collide again.
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
            case = self._load_in_scope(user, case_id, trust_list=attempt == 0)
            if expected_version is not None and case.version != expected_version:
                raise VersionMismatch(case_id, expected_version, case.version)
            act(case)
            try:
                self.save(case)
            except IntegrityError:
                if expected_version is not None:
                    current = self._load(case_id).version
                    raise VersionMismatch(case_id, expected_version, current) from None
                logger.info("step %s on case %s lost a race; retrying", step.value, case_id)
                continue
            return case_view(case, self.today())
        raise ConcurrentModification(case_id, self.max_attempts)
