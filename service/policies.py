"""``PolicyService``: the policies' use cases, and the in-force table every report of a case reads.

A second eventsourcing application on the same database (tables ``policies_events``), so the
policies' few events never mix with the cases' notification log, its projections and its
per-case encryption. Reporting a case asks :meth:`PolicyService.version_in_force` for the text in
force in its unit on its date; that answer comes from every policy held in memory, reloaded when
this process stores a policy event and, for changes made by other processes, when the event
log's head has moved at the next look (at most every ``refresh_seconds``): no query per report.

Its events are sealed by a chain of their own (``policy_chain``), built like the cases' and
extended in the transaction that stores them, so a policy's text rewritten in the database,
or its newest events deleted, is caught by ``breachtrail verify`` (and a seal).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording

from domain.errors import NoPolicyInForce
from domain.policy import Policy, policy_uuid
from domain.policy_in_force import DEFAULT_IN_FORCE_FROM, Citation, in_force
from domain.policy_records import Position
from domain.policy_text import PolicyText, load_default_policy, render_policy_text
from domain.values import Actor, Role
from service.authorisation import require_hr
from service.errors import ServiceError
from service.integrity import EventChain, records_of
from service.policy_views import policy_detail, policy_summary, rule_row, version_detail
from service.transcodings import register_domain_transcodings
from service.users import User

logger = logging.getLogger(__name__)

LOCAL_TIMEZONE = ZoneInfo("Europe/Copenhagen")
#: Who recorded the installation's default policy.
SYSTEM_ACTOR = Actor("system", Role.HR)
DEFAULT_REFRESH_SECONDS = 1.0
_BATCH = 500


class PolicyNotFound(ServiceError):
    def __init__(self, policy_id: str, version: int | None = None):
        self.policy_id = policy_id
        self.version = version
        what = f"policy {policy_id}" + ("" if version is None else f" has no version {version}")
        super().__init__(what if version is not None else f"{what} not found")


class PolicyChanged(ServiceError):
    """The policy kept changing under this step; nothing of it was stored."""

    def __init__(self, policy_id: str):
        self.policy_id = policy_id
        super().__init__(f"policy {policy_id} was changed by others while this step was taken; try again")


class PolicyService(Application[UUID]):
    """Policies: drafting, consultation, approval, coming into force, unit adaptations; what is in force."""

    name = "policies"
    is_snapshotting_enabled = False

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        seed_default: bool = True,
        chain: Callable[[PolicyService], EventChain] | None = None,
        transaction: Callable[[PolicyService], Callable[[], AbstractContextManager[Any]]] | None = None,
    ):
        super().__init__(env)
        self.chain: EventChain | None = chain(self) if chain else None
        self._transaction: Callable[[], AbstractContextManager[Any]] = (
            transaction(self) if transaction else nullcontext)
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self._policies: dict[UUID, Policy] = {}
        self._head: int | None = -1
        self._looked_at = float("-inf")
        if seed_default:
            self.ensure_default()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Store the new events, and their links in the policy chain in the same transaction."""
        with self._transaction():
            recordings = super().save(*objs, **kwargs)
            if self.chain is not None:
                self.chain.extend(records_of(recordings))
        return recordings

    def today(self) -> date:
        return self.clock().astimezone(LOCAL_TIMEZONE).date()

    # --- the in-force table -------------------------------------------------------------------

    def ensure_default(self) -> bool:
        """Store the shipped draft as the installation's default policy, once; whether it was stored now."""
        default = load_default_policy()
        try:
            self.repository.get(policy_uuid(default.key))
            return False
        except AggregateNotFoundError:
            pass
        policy = Policy.install_default(
            actor=SYSTEM_ACTOR, text=render_policy_text(default), in_force_from=DEFAULT_IN_FORCE_FROM
        )
        try:
            self.save(policy)
        except IntegrityError:
            return False  # another process stored it first
        return True

    def version_in_force(self, unit: str | None, on: date) -> Citation | None:
        """The text in force for ``unit`` (``None``: the area) on ``on``: policy id, version, adaptation, rules."""
        return in_force(self.all_policies(), unit, on)

    def all_policies(self) -> list[Policy]:
        """Every policy, from memory; reloaded when the event log has moved (see the module's docstring)."""
        now = time.monotonic()
        if now - self._looked_at >= self.refresh_seconds:
            head = self.recorder.max_notification_id()
            if head is None and self._head is not None:
                # Nothing stored yet (the schema made by a process that did not seed): seed now.
                self.ensure_default()
                head = self.recorder.max_notification_id()
            if head != self._head:
                self._reload(head)
            self._looked_at = now
        return list(self._policies.values())

    def _reload(self, head: int | None) -> None:
        ids: dict[UUID, None] = {}
        start = 1
        while head is not None and start <= head:
            batch = self.recorder.select_notifications(start, _BATCH, stop=head)
            if not batch:
                break
            for notification in batch:
                ids[UUID(str(notification.originator_id))] = None
            start = batch[-1].id + 1
        self._policies = {policy_id: self.repository.get(policy_id) for policy_id in ids}
        self._head = head

    def _forget(self) -> None:
        self._looked_at = float("-inf")

    # --- queries ------------------------------------------------------------------------------

    def list_policies(self, user: User) -> list[dict[str, Any]]:
        """Every policy with its versions' status, newest first (every role may read policies)."""
        today = self.today()
        policies = sorted(self.all_policies(), key=lambda p: p.created_on, reverse=True)
        return [policy_summary(p, today, self._in_force_version(p, today)) for p in policies]

    def get_policy(self, user: User, policy_id: str) -> dict[str, Any]:
        """A policy: versions, consultation and responses, approvals, adaptations, what is in force."""
        policy = self._cached(policy_id)
        today = self.today()
        return policy_detail(policy, today, self._in_force_version(policy, today))

    def get_version(self, user: User, policy_id: str, version: int, unit: str | None = None) -> dict[str, Any]:
        """A version's full text by section; with ``unit``, that unit's latest adaptation of it."""
        policy = self._cached(policy_id)
        if not policy.has_version(version):
            raise PolicyNotFound(policy_id, version)
        return version_detail(policy, policy.version_record(version), unit)

    def version_text(self, user: User, policy_id: str, version: int) -> PolicyText:
        """Version ``version``'s text, as the policy Markdown format renders it back."""
        policy = self._cached(policy_id)
        if not policy.has_version(version):
            raise PolicyNotFound(policy_id, version)
        return policy.version_record(version).text

    def rules_in_force(self, user: User, unit: str | None, on: date | None) -> tuple[Citation, list[dict[str, str]]]:
        """The rules in force for ``unit`` (the area when ``None``) on ``on`` (today when ``None``)."""
        day = self.today() if on is None else on
        citation = self.version_in_force(unit, day)
        if citation is None:
            raise NoPolicyInForce(unit or "(the area)", day.isoformat())
        return citation, [rule_row(item) for item in citation.rules()]

    def scope_of(self, policy_key: str) -> str | None:
        """The unit a policy is for (None: the whole area, or no such policy)."""
        return next((p.scope_unit for p in self.all_policies() if p.key == policy_key), None)

    def overdue_consultations(self, today: date | None = None) -> list[dict[str, Any]]:
        """Open consultations past their deadline, with the bodies that have not answered."""
        day = self.today() if today is None else today
        found = []
        for policy in self.all_policies():
            for record in policy.versions:
                consultation = record.consultation
                if consultation is not None and consultation.overdue(day):
                    found.append({"policy": policy.key, "version": record.number,
                                  "deadline": consultation.deadline, "awaiting": consultation.awaiting()})
        return found

    # --- commands (HR) ------------------------------------------------------------------------

    def draft(
        self, user: User, *, text: str, scope_unit: str | None = None,
        based_on_policy: str | None = None, based_on_version: int | None = None,
    ) -> dict[str, Any]:
        """A new policy from its first text; a text whose key exists already is refused."""
        require_hr(user, "draft policies")
        if based_on_policy is not None:
            base = self._cached(based_on_policy)
            if based_on_version is None or not base.has_version(based_on_version):
                raise PolicyNotFound(based_on_policy, based_on_version or 0)
        policy = Policy.draft(actor=user.actor, text=text, scope_unit=scope_unit,
                              based_on_policy=based_on_policy, based_on_version=based_on_version)
        try:
            self.repository.get(policy.id)
        except AggregateNotFoundError:
            pass
        else:
            raise PolicyExists(policy.key)
        try:
            self.save(policy)
        except IntegrityError:
            raise PolicyExists(policy.key) from None
        finally:
            self._forget()
        return self.get_policy(user, policy.key)

    def revise(self, user: User, policy_id: str, *, text: str) -> dict[str, Any]:
        return self._step(user, policy_id, lambda p: p.revise(actor=user.actor, text=text))

    def send_to_consultation(
        self, user: User, policy_id: str, version: int, *, bodies: list[str], deadline: date,
        sent_on: date | None = None,
    ) -> dict[str, Any]:
        return self._step(user, policy_id, lambda p: p.send_to_consultation(
            actor=user.actor, version=version, bodies=bodies, sent_on=sent_on or self.today(), deadline=deadline))

    def record_response(
        self, user: User, policy_id: str, version: int, *, body: str, received_on: date,
        position: Position, summary: str,
    ) -> dict[str, Any]:
        return self._step(user, policy_id, lambda p: p.record_response(
            actor=user.actor, version=version, body=body, received_on=received_on, position=position,
            summary=summary))

    def close_consultation(
        self, user: User, policy_id: str, version: int, *, closed_on: date | None = None
    ) -> dict[str, Any]:
        return self._step(user, policy_id, lambda p: p.close_consultation(
            actor=user.actor, version=version, closed_on=closed_on or self.today()))

    def approve(
        self, user: User, policy_id: str, version: int, *, body: str, meeting_on: date, reference: str
    ) -> dict[str, Any]:
        return self._step(user, policy_id, lambda p: p.approve(
            actor=user.actor, version=version, body=body, meeting_on=meeting_on, reference=reference))

    def bring_into_force(self, user: User, policy_id: str, version: int, *, in_force_from: date) -> dict[str, Any]:
        return self._step(user, policy_id, lambda p: p.bring_into_force(
            actor=user.actor, version=version, in_force_from=in_force_from))

    def adapt_for_unit(
        self, user: User, policy_id: str, version: int, *, unit: str, text: str, body: str,
        meeting_on: date, reference: str, in_force_from: date,
    ) -> dict[str, Any]:
        return self._step(user, policy_id, lambda p: p.adapt_for_unit(
            actor=user.actor, version=version, unit=unit, text=text, body=body, meeting_on=meeting_on,
            reference=reference, in_force_from=in_force_from))

    def supersede(self, user: User, policy_id: str, *, by_policy: str, on: date) -> dict[str, Any]:
        self._cached(by_policy)
        return self._step(user, policy_id, lambda p: p.supersede(actor=user.actor, by_policy=by_policy, on=on))

    def withdraw(self, user: User, policy_id: str, *, on: date, reason: str) -> dict[str, Any]:
        return self._step(user, policy_id, lambda p: p.withdraw(actor=user.actor, on=on, reason=reason))

    # --- internals ----------------------------------------------------------------------------

    def _step(self, user: User, policy_id: str, act: Callable[[Policy], Any]) -> dict[str, Any]:
        require_hr(user, "change policies")
        for _ in range(3):
            policy = self._load(policy_id)
            act(policy)
            try:
                self.save(policy)
            except IntegrityError:
                logger.info("a step on policy %s lost a race; retrying", policy_id)
                continue
            finally:
                self._forget()
            return self.get_policy(user, policy_id)
        raise PolicyChanged(policy_id)

    def _load(self, policy_id: str) -> Policy:
        try:
            policy: Policy = self.repository.get(policy_uuid(policy_id))
        except AggregateNotFoundError:
            raise PolicyNotFound(policy_id) from None
        return policy

    def _cached(self, policy_id: str) -> Policy:
        policy = next((p for p in self.all_policies() if p.key == policy_id), None)
        if policy is None:
            raise PolicyNotFound(policy_id)
        return policy

    def _in_force_version(self, policy: Policy, today: date) -> int | None:
        citation = in_force([policy], policy.scope_unit, today)
        return None if citation is None else citation.version


class PolicyExists(ServiceError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(f"a policy with the key '{key}' exists already: revise it, or give the new text its own key")
