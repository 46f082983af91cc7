"""The queries of ``CaseService``: reading cases, lists, histories and records.

Kept apart from the commands (service/cases.py) so each module has one reason to change;
``CaseService`` inherits these methods, so callers still see one application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from copy import deepcopy
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError

from domain.case import Case
from domain.errors import InvalidCaseData
from domain.rules import is_known_rule
from domain.validation import DateBounds, raise_if
from domain.values import Role, Status
from service.access_log import AccessEntry, AccessLog, ChainedAccessLog, Read
from service.authorisation import can_see_unit, require_caseworker, require_hr
from service.case_list import CaseListFilter, CaseListStore, CaseLookUp, Listing
from service.errors import AccessDenied, CaseNotFound, CaseNotYetReported, VersionNotFound
from service.integrity import EventChain, Verification
from service.records import CaseFile, case_file, moment, version_at
from service.statistics import Statistics
from service.trail import SealedReleases, Trail
from service.users import User
from service.views import CasePage, CaseView, HistoryEntry, case_view, history_entry

if TYPE_CHECKING:
    from eventsourcing.application import Repository
    from eventsourcing.persistence import EventStore

    from service.policies import PolicyService

#: Dates in a case are calendar dates where the municipality is.
LOCAL_TIMEZONE = ZoneInfo("Europe/Copenhagen")
MAX_PER_PAGE = 200


class CaseQueries:
    """Read-only use cases; every read of a case, its history or its export is logged."""

    if TYPE_CHECKING:
        events: EventStore[UUID]
        case_list: CaseListStore | None
        _statistics: Statistics | None
        chain: EventChain | None
        access_log: AccessLog | None
        policies: PolicyService | None
        clock: Callable[[], datetime]
        date_bounds: DateBounds

        @property
        def repository(self) -> Repository[UUID]: ...

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction for the reads inside it, which each began and ended their own: on
        PostgreSQL a page's reads of a case (its list row, its events, the staff list) cost one
        BEGIN and ROLLBACK, and see one snapshot. Writes may not happen inside, except the access
        log's, which goes on connections of its own (``writes_apart``)."""
        datastore = getattr(getattr(self, "factory", None), "datastore", None)
        apart = self.access_log is None or getattr(self.access_log, "writes_apart", False)
        with datastore.transaction(commit=False) if datastore is not None and apart else nullcontext():
            yield

    def today(self) -> date:
        """Today's date in Denmark."""
        return self.clock().astimezone(LOCAL_TIMEZONE).date()

    # --- queries ------------------------------------------------------------------------------

    def get_case(
        self, user: User, case_id: UUID, *, version: int | None = None, as_of: datetime | None = None
    ) -> CaseView:
        """The case now, or as it stood after its ``version``-th event, or at the moment ``as_of``."""
        require_caseworker(user, "read cases")
        if version is not None and as_of is not None:
            raise InvalidCaseData.field("as_of", "ask for a version or a moment (as_of), not both")
        as_of = None if as_of is None else moment(as_of)
        if as_of is not None:
            raise_if(self.date_bounds.moment_error(as_of), "as_of")
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
        count_at_most: int | None = None,
    ) -> CasePage:
        """A page of the cases the user may see, newest activity first.

        ``count_at_most``: count the matching cases only up to this many; when more match, the
        page's ``total`` is this and ``total_exact`` False (an exact count reads every match).
        """
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
        if not getattr(self.case_list, "checks_destroyed_keys", False):
            self._forget_destroyed_keys()
        rows, total = self.case_list.page(query, today=today, offset=(page - 1) * per_page, limit=per_page,
                                          count_limit=None if count_at_most is None else count_at_most + 1)
        if self.access_log is not None:
            # A page shows each case's employee: every case on it is a logged read of that case.
            now = self.clock()
            self.access_log.record_many([
                AccessEntry(row.id, Read.LIST.value, user.id, user.role.value, now) for row in rows
            ])
        exact = count_at_most is None or total <= count_at_most
        return CasePage([row.summary(today) for row in rows], page=page, per_page=per_page,
                        total=total if exact else cast(int, count_at_most), total_exact=exact)

    def verify_integrity(self, user: User | None = None) -> Verification:
        """Recompute the event chain; HR only when asked for by a user (``None``: the operator)."""
        if user is not None and user.role is not Role.HR:
            raise AccessDenied(f"a user with role '{user.role.value}' may not check the trail's integrity")
        if self.chain is None:
            raise RuntimeError("this CaseService was built without an event chain")
        return self.chain.verify()

    def trail(self, user: User | None = None) -> Trail:
        """Every part of the trail, to check and seal at once; HR only when asked for by a user."""
        if user is not None and user.role is not Role.HR:
            raise AccessDenied(f"a user with role '{user.role.value}' may not check the trail's integrity")
        if self.chain is None:
            raise RuntimeError("this CaseService was built without an event chain")
        return Trail(
            events=self.chain,
            policies=self.policies.chain if self.policies is not None else None,
            access_log=self.access_log if isinstance(self.access_log, ChainedAccessLog) else None,
            releases=(self._statistics.store if self._statistics is not None
                      and isinstance(self._statistics.store, SealedReleases) else None),
        )

    def history(self, user: User, case_id: UUID) -> list[HistoryEntry]:
        """Every event of the case, oldest first, with who recorded it and when."""
        require_caseworker(user, "read case histories")
        current = self._load_in_scope(user, case_id, copy=False)
        erased = current.personal_data_erased
        entries = [history_entry(event, erased=erased) for event in self.events.get(case_id)]
        self._log_read(user, case_id, Read.HISTORY)
        return entries

    def case_with_history(
        self, user: User, case_id: UUID, *, newest: int, skip: int = 0
    ) -> tuple[CaseView, list[HistoryEntry]]:
        """The case now and a stretch of its history, newest first: at most ``newest`` events,
        after leaving out the ``skip`` latest.

        For a page that shows both: the case is loaded once, only the events shown are read and
        decrypted (a long case's page does not grow with its history), and the two reads are
        logged in one write. The view's ``notes`` are left empty: they are events of the history.
        """
        require_caseworker(user, "read cases")
        if newest < 1 or skip < 0:
            raise InvalidCaseData.field("newest", "ask for at least one event, skipping none or more")
        listing = self._listing_in_scope(user, case_id)
        keys_checked = listing is not None and listing.keys_checked
        events: list[Any] | None = None
        current: Case | None = None
        if skip == 0 and self.repository.cache is not None:
            # The newest events first: when the cached case is at the newest of them, it is the
            # case now, and loading it (another round trip) is not needed.
            if not keys_checked:
                self._forget_destroyed_keys()
                keys_checked = True
            events = list(self.events.get(case_id, desc=True, limit=newest))
            if events:
                current = self._cached_at(case_id, events[0].originator_version)
        if current is None:
            current = self._load(case_id, copy=False, keys_checked=keys_checked)
        if not can_see_unit(user, current.unit):
            raise CaseNotFound(case_id)
        last = current.version - skip
        if events is None or not events or events[0].originator_version != last:
            events = list(self.events.get(case_id, lte=last, desc=True, limit=newest)) if last >= 1 else []
        erased = current.personal_data_erased
        entries = [history_entry(event, erased=erased) for event in events]
        # The notes are events of the history: a page shows them there, and a case with a thousand
        # notes made the view as long.
        view = case_view(current, self.today(), notes=False)
        if self.access_log is not None:
            now = self.clock()
            self.access_log.record_many([
                AccessEntry(str(case_id), read.value, user.id, user.role.value, now)
                for read in (Read.CASE, Read.HISTORY)
            ])
        return view, entries

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

    # --- shared with the commands -------------------------------------------------------------

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

    def _cached_at(self, case_id: UUID, version: int) -> Case | None:
        """The cached case if it is at ``version``; None otherwise (or with no cache)."""
        cache = self.repository.cache
        if cache is None:
            return None
        try:
            cached = cache.get(case_id)
        except KeyError:
            return None
        return cached if isinstance(cached, Case) and cached.version == version else None

    def _forget_destroyed_keys(self) -> None:
        # Another process may have erased a case whose key this one still holds in memory.
        key_ring = getattr(self, "key_ring", None)
        if key_ring is not None:
            key_ring.refresh()

    def _load(
        self, case_id: UUID, *, copy: bool = True, listed_version: int | None = None, keys_checked: bool = False
    ) -> Case:
        if not keys_checked:
            self._forget_destroyed_keys()
        # A command changes the case it loads, so it gets its own copy of a cached one; a query
        # only reads, and copying a long case cost more than the rest of the request (copy=False).
        if listed_version is not None and (cached := self._cached_at(case_id, listed_version)) is not None:
            return deepcopy(cached) if copy else cached
        try:
            case: Case = self.repository.get(case_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        if not isinstance(case, Case):  # staff members, review sessions and users' grants share the store
            raise CaseNotFound(case_id)
        return case

    def _listing_in_scope(self, user: User, case_id: UUID) -> Listing | None:
        """The case's row in the list (when the list is written with the events), after checking
        from it that ``user`` may see the case's unit; None when there is no row to ask."""
        listing: Listing | None = None
        inline = self.case_list is not None and getattr(self, "project_inline", False)
        if inline and hasattr(self.case_list, "look_up"):
            # One query: the list's unit and version, and whether keys were destroyed elsewhere.
            listing = cast(CaseLookUp, self.case_list).look_up(str(case_id))
            unit = listing.unit
        elif inline and user.role is not Role.HR and self.case_list is not None:
            unit = self.case_list.unit_of(str(case_id))
        else:
            unit = None
        # Scope from the list's index first, before any case is loaded: another unit's case
        # then costs what an unknown id costs, so the answer's timing says nothing either.
        # A case missing from the list (a reset list, healed by the next step) is looked up below.
        if user.role is not Role.HR and unit is not None and not can_see_unit(user, unit):
            raise CaseNotFound(case_id)
        return listing

    def _load_in_scope(self, user: User, case_id: UUID, *, copy: bool = True, trust_list: bool = False) -> Case:
        """The case, if ``user`` may see it.

        ``trust_list``: a command's first try may take the cached case without reading its later
        events when the list (written with the events) says it is at the cached version; if it
        was not, the event insert conflicts and the retry loads the case in full.
        """
        listing = self._listing_in_scope(user, case_id)
        case = self._load(case_id, copy=copy,
                          listed_version=listing.version if listing is not None and trust_list else None,
                          keys_checked=listing is not None and listing.keys_checked)
        if not can_see_unit(user, case.unit):
            raise CaseNotFound(case_id)
        return case

