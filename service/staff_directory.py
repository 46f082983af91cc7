"""The staff list read model: one row per staff member, one per acknowledgement, folded from events.

Staff members and review sessions are stored in the cases' event store, so the one HMAC chain
seals them too; this read side is written in the transaction of their events (like the case
list) and can be rebuilt from the event log alone. The fold is pure; storage is a port.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from domain.staff import PolicyVersionRef, StaffMember


@dataclass(frozen=True)
class StaffRow:
    """One staff member as lists and coverage see them; ref and name are None once erased."""

    member_id: str
    version: int
    unit: str
    employee_ref: str | None
    name: str | None
    start_date: date
    end_date: date | None
    erased: bool

    def employed_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class AcknowledgementRow:
    member_id: str
    member_version: int  # the event's version on the member: makes writing it twice harmless
    policy_id: str
    policy_version: int
    acknowledged_on: date
    method: str
    review_id: str | None
    recorded_at: datetime
    recorded_by: str

    @property
    def policy(self) -> PolicyVersionRef:
        return PolicyVersionRef(self.policy_id, self.policy_version)


class StaffDirectory(Protocol):
    """Where staff rows live; implemented by an adapter in the event store's database."""

    def upsert_member(self, row: StaffRow) -> None:
        """Store the row unless a row of the member at this or a newer version is stored."""
        ...

    def add_acknowledgement(self, row: AcknowledgementRow) -> None:
        """Store the acknowledgement (once) and move the member's row to its version."""
        ...

    def member(self, member_id: str) -> StaffRow | None: ...

    def member_by_ref(self, employee_ref: str) -> StaffRow | None:
        """The member with this reference, in any unit (a reference names one employee)."""
        ...

    def unit_members(self, unit: str) -> list[StaffRow]:
        """Every member of the unit, current or not, in reference order (erased ones last)."""
        ...

    def units(self) -> list[str]:
        """Every unit with a staff list."""
        ...

    def acknowledgement_facts(
        self, unit: str, employee_ref: str | None
    ) -> tuple[bool, StaffRow | None, list[AcknowledgementRow]]:
        """Whether ``unit`` keeps a staff list, the member with ``employee_ref`` (in any unit) and
        their acknowledgements: what a case page asks, read together."""
        ...

    def acknowledgements(self, member_ids: Sequence[str]) -> list[AcknowledgementRow]:
        """Every acknowledgement of these members, oldest first."""
        ...

    def leavers(self, left_before: date) -> list[StaffRow]:
        """Members not yet erased whose end date lies before ``left_before``."""
        ...

    def reset(self) -> None:
        """Delete every row, for a rebuild."""
        ...


def fold_staff_events(directory: StaffDirectory, events: Iterable[Any]) -> None:
    """Write what staff events (in log order) change; other events are passed over."""
    for event in events:
        if isinstance(event, StaffMember.Joined):
            directory.upsert_member(StaffRow(
                str(event.originator_id), event.originator_version, event.unit, event.employee_ref,
                event.name, event.start_date, event.end_date, erased=False,
            ))
        elif isinstance(event, StaffMember.DetailsChanged | StaffMember.PersonalDataErased):
            row = directory.member(str(event.originator_id))
            if row is None or row.version >= event.originator_version:
                continue
            if isinstance(event, StaffMember.DetailsChanged):
                changed = StaffRow(row.member_id, event.originator_version, event.unit, row.employee_ref,
                                   event.name, event.start_date, event.end_date, row.erased)
            else:
                changed = StaffRow(row.member_id, event.originator_version, row.unit, None, None,
                                   row.start_date, row.end_date, erased=True)
            directory.upsert_member(changed)
        elif isinstance(event, StaffMember.PolicyAcknowledged):
            directory.add_acknowledgement(AcknowledgementRow(
                str(event.originator_id), event.originator_version, event.policy_id, event.policy_version,
                event.acknowledged_on, event.method, event.review_id, event.timestamp, event.actor.id,
            ))
