"""``CaseService``: every use case of a case, as one eventsourcing application.

Each command authorises the user, loads the case, calls one domain method and saves the
new event. A plain step that loses a race with another writer is retried on the fresh
state (so the domain's rules are checked again); a step that named the version it expects
is never retried, it fails with ``VersionMismatch``.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Recording

from domain.case import Case
from domain.errors import InvalidCaseData
from domain.rules import is_known_rule
from domain.values import Channel, Outcome, Role, Severity, Status, Step
from service.access_log import AccessEntry, AccessLog, Read
from service.authorisation import can_see_unit, may_report_in, require_caseworker, require_hr, require_step_role
from service.case_list import CaseListFilter, CaseListStore
from service.errors import (
    AccessDenied,
    CaseNotFound,
    CaseNotYetReported,
    ConcurrentModification,
    VersionMismatch,
    VersionNotFound,
)
from service.integrity import EventChain, Verification
from service.personal_data import KeyRing, PersonalDataMapper
from service.projections import CaseListProjection, EventLog
from service.records import CaseFile, case_file, moment, version_at
from service.statistics import DIMENSIONS, Statistics, StatisticsRequest, StatisticsResult, TooManyCells
from service.transcodings import register_domain_transcodings
from service.users import User
from service.views import CasePage, CaseView, HistoryEntry, case_view, history_entry

logger = logging.getLogger(__name__)

#: Dates in a case are calendar dates where the municipality is.
LOCAL_TIMEZONE = ZoneInfo("Europe/Copenhagen")
DEFAULT_SNAPSHOT_INTERVAL = 25
DEFAULT_MAX_ATTEMPTS = 8
MAX_PER_PAGE = 200
MONTH_PATTERN = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CaseService(Application[UUID]):
    """The case-handling application: report, take steps, read cases and their trails."""

    name = "cases"
    snapshotting_intervals = {Case: DEFAULT_SNAPSHOT_INTERVAL}

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
    ):
        # Needed while the base class builds the mapper, so set before it runs.
        self._key_ring_factory = key_ring
        super().__init__(env)
        self._transaction = transaction(self) if transaction else nullcontext
        self._on_erased = on_erased
        self._after_record = tuple(after_record)
        self.chain: EventChain | None = chain(self) if chain else None
        self.known_units = known_units
        self.clock = clock
        self.snapshotting_intervals = {Case: snapshot_interval}  # type: ignore[misc]
        self.max_attempts = max_attempts
        # Built from the application because it must share the event store's transactions.
        self.case_list: CaseListStore | None = case_list(self) if case_list else None
        self.case_list_projection = (
            CaseListProjection(self.case_list, EventLog(self)) if self.case_list is not None else None
        )
        self.project_inline = project_inline
        self._statistics: Statistics | None = statistics(self) if statistics else None
        self.access_log: AccessLog | None = access_log(self) if access_log else None

    # --- infrastructure hooks ---------------------------------------------------------------

    def construct_mapper(self) -> Mapper[UUID]:
        if self._key_ring_factory is None:
            return super().construct_mapper()
        self.key_ring = self._key_ring_factory(self)
        return PersonalDataMapper(
            transcoder=self.construct_transcoder(),
            compressor=self.factory.compressor(),
            cipher=self.factory.cipher(),
            key_ring=self.key_ring,
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        # The case list is written in the transaction of the events: a step is visible in
        # the very next list, and a crash leaves both or neither.
        # Everything below commits with the events or not at all.
        with self._transaction():
            recordings = super()._record(processing_event)
            projection = self.case_list_projection
            if projection is not None and self.project_inline:
                projection.apply(
                    [r.domain_event for r in recordings], max(r.notification.id for r in recordings)
                )
            if self._on_erased is not None:
                for recording in recordings:
                    if isinstance(recording.domain_event, Case.PersonalDataErased):
                        self._on_erased(self, recording.domain_event.originator_id)
            for hook in self._after_record:
                hook(self, recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        # Snapshots are written after the events commit: a failure here must not turn a
        # stored step into a reported failure. The next snapshot interval tries again.
        # An erased case is never snapshotted again: its key, and so its state, are gone.
        processing_event.aggregates = {
            key: aggregate
            for key, aggregate in processing_event.aggregates.items()
            if not getattr(aggregate, "personal_data_erased", False)
        }
        try:
            super()._take_snapshots(processing_event)
        except Exception:
            logger.exception("taking a snapshot failed; the events are stored")

    def today(self) -> date:
        """Today's date in Denmark."""
        return self.clock().astimezone(LOCAL_TIMEZONE).date()

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
        if not may_report_in(user, unit):
            raise AccessDenied(f"user '{user.id}' may not report incidents in unit '{unit}'")
        case = Case.report(
            actor=user.actor,
            unit=unit,
            employee_ref=employee_ref,
            employee_name=employee_name,
            occurred_on=occurred_on,
            rules=rules,
            channel=channel,
            description=description,
            today=self.today(),
        )
        self.save(case)
        return case_view(case, self.today())

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
        expected_version: int | None = None,
    ) -> CaseView:
        return self._step(
            user, case_id, Step.WARNING, expected_version,
            lambda case: case.issue_warning(
                actor=user.actor, issued_on=issued_on, text=text, valid_until=valid_until,
                today=self.today(),
            ),
        )

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
        return self._step(
            user, case_id, Step.ERASURE, expected_version,
            lambda case: case.erase_personal_data(actor=user.actor, reason=reason),
        )

    # --- queries ------------------------------------------------------------------------------

    def get_case(
        self, user: User, case_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> CaseView:
        """The case now, or as it stood after its ``version``-th event, or at the moment ``as_of``."""
        require_caseworker(user, "read cases")
        if version is not None and as_of is not None:
            raise InvalidCaseData.field("as_of", "ask for a version or a moment (as_of), not both")
        as_of = None if as_of is None else moment(as_of)
        current = self._load_in_scope(user, case_id, copy=False)
        if as_of is not None:
            version = version_at(self.events.get(case_id), as_of)
            if version is None:
                raise CaseNotYetReported(case_id, as_of)
        view = self._view_at(current, version)
        self._log_read(user, case_id, Read.CASE, version=version if as_of is None else None, as_of=as_of)
        return view

    def _view_at(self, current: Case, version: int | None) -> CaseView:
        if version is None or version == current.version:
            return case_view(current, self.today())
        if not 1 <= version <= current.version:
            raise VersionNotFound(current.id, version)
        past: Case = self.repository.get(current.id, version=version)
        if current.personal_data_erased:
            # Erasure reaches back: no earlier version shows what was erased.
            past.erase_personal_data_from_state()
        return case_view(past, self.today())

    def list_cases(
        self,
        user: User,
        *,
        unit: str | None = None,
        status: str | None = None,
        rule: str | None = None,
        overdue: bool | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> CasePage:
        """A page of the cases the user may see, newest activity first."""
        require_caseworker(user, "list cases")
        errors: dict[str, list[str]] = {}
        if status is not None and status not in {s.value for s in Status}:
            errors["status"] = [f"unknown status '{status}'"]
        if rule is not None and not is_known_rule(rule):
            errors["rule"] = [f"unknown rule code '{rule}'"]
        if page < 1:
            errors["page"] = ["must be at least 1"]
        if not 1 <= per_page <= MAX_PER_PAGE:
            errors["per_page"] = [f"must be between 1 and {MAX_PER_PAGE}"]
        if errors:
            raise InvalidCaseData(errors)
        if self.case_list is None:
            raise RuntimeError("this CaseService was built without a case list")
        units = None if user.role is Role.HR else user.units
        query = CaseListFilter(units=units, unit=unit, status=status, rule=rule, overdue=overdue)
        today = self.today()
        rows, total = self.case_list.page(query, today=today, offset=(page - 1) * per_page, limit=per_page)
        return CasePage([row.summary(today) for row in rows], page=page, per_page=per_page, total=total)

    def statistics(
        self,
        user: User,
        *,
        group_by: Sequence[str] = (),
        from_month: str | None = None,
        to_month: str | None = None,
    ) -> StatisticsResult:
        """Anonymised counts of cases (never of people), safe to show to anyone with a role."""
        errors: dict[str, list[str]] = {}
        unknown = [d for d in group_by if d not in DIMENSIONS]
        if unknown:
            choices = ", ".join(DIMENSIONS)
            errors["group_by"] = [f"cannot group by {', '.join(map(repr, unknown))}; choose from {choices}"]
        elif len(set(group_by)) != len(group_by):
            errors["group_by"] = ["name each dimension once"]
        for field, value in (("from", from_month), ("to", to_month)):
            if value is not None and not MONTH_PATTERN.fullmatch(value):
                errors[field] = ["must be a month written YYYY-MM"]
        if not errors and from_month and to_month and from_month > to_month:
            errors["to"] = ["must not lie before from"]
        if errors:
            raise InvalidCaseData(errors)
        if self._statistics is None:
            raise RuntimeError("this CaseService was built without statistics")
        request = StatisticsRequest(tuple(group_by), from_month, to_month)
        try:
            return self._statistics.answer(request)
        except TooManyCells:
            raise InvalidCaseData.field(
                "group_by", "too many cells for one answer: group by fewer dimensions or a shorter period"
            ) from None

    def verify_integrity(self, user: User | None = None) -> Verification:
        """Recompute the event chain; HR only when asked for by a user (``None``: the operator)."""
        if user is not None and user.role is not Role.HR:
            raise AccessDenied(f"a user with role '{user.role.value}' may not check the trail's integrity")
        if self.chain is None:
            raise RuntimeError("this CaseService was built without an event chain")
        return self.chain.verify()

    def history(self, user: User, case_id: UUID) -> list[HistoryEntry]:
        """Every event of the case, oldest first, with who recorded it and when."""
        require_caseworker(user, "read case histories")
        current = self._load_in_scope(user, case_id, copy=False)
        erased = current.personal_data_erased
        entries = [history_entry(event, erased=erased) for event in self.events.get(case_id)]
        self._log_read(user, case_id, Read.HISTORY)
        return entries

    def export_case(self, user: User, case_id: UUID) -> CaseFile:
        """The complete case file: the case, its history, its access log and its chain links (HR)."""
        require_hr(user, "export case files")
        case = self._load(case_id, copy=False)
        now = self.clock()
        self._log_read(user, case_id, Read.EXPORT, at=now)
        chain = self.chain.store.case_links(str(case_id)) if self.chain is not None else []
        return case_file(
            case, self.events.get(case_id), self._access_entries(case_id), chain,
            exported_by=user, exported_at=now, today=self.today(),
        )

    def read_access_log(self, user: User, case_id: UUID) -> list[AccessEntry]:
        """Who read the case, when, and what, oldest first; this read included (HR)."""
        require_hr(user, "read access logs")
        self._load(case_id, copy=False)
        self._log_read(user, case_id, Read.ACCESS_LOG)
        return self._access_entries(case_id)

    # --- internals ----------------------------------------------------------------------------

    def _log_read(
        self, user: User, case_id: UUID, read: Read, *, version: int | None = None,
        as_of: datetime | None = None, at: datetime | None = None,
    ) -> None:
        # One INSERT per read, committed before the answer goes out: an unlogged read is not served.
        if self.access_log is not None:
            self.access_log.record(AccessEntry(
                str(case_id), read.value, user.id, user.role.value, at or self.clock(), version, as_of
            ))

    def _access_entries(self, case_id: UUID) -> list[AccessEntry]:
        if self.access_log is None:
            raise RuntimeError("this CaseService was built without an access log")
        return self.access_log.entries(str(case_id))

    def _load(self, case_id: UUID, *, copy: bool = True) -> Case:
        # A command changes the case it loads, so it gets its own copy of a cached one; a query
        # only reads, and copying a long case cost more than the rest of the request (copy=False).
        try:
            case: Case = self.repository.get(case_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        return case

    def _load_in_scope(self, user: User, case_id: UUID, *, copy: bool = True) -> Case:
        case = self._load(case_id, copy=copy)
        if not can_see_unit(user, case.unit):
            raise CaseNotFound(case_id)
        return case

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
            case = self._load_in_scope(user, case_id)
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
