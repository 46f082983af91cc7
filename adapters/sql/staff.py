"""SQL tables of the staff list and the acknowledgements, written with the staff events.

An employee's name and reference are stored encrypted with the employee's own key (the key
ring's, under the member's id), like the case list's: erasing the key leaves nothing readable.
Lookups by reference go through a keyed hash of it (derived from the master key), cleared on
erasure too. Acknowledgement rows hold no personal data, so counts survive an erasure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy.exc
from eventsourcing.persistence import IntegrityError
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    exists,
    false,
    literal,
    select,
)

from service.staff_directory import AcknowledgementRow, StaffRow

metadata = MetaData()

staff_members = Table(
    "staff_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("unit", String(64), nullable=False, index=True),
    Column("ref_index", String(64), unique=True),  # keyed hash of the reference; NULL once erased
    Column("employee_ref", Text),  # encrypted with the member's key; NULL once erased
    Column("name", Text),  # likewise
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("erased", Boolean, nullable=False),
)

staff_acknowledgements = Table(
    "staff_acknowledgements",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("member_version", Integer, primary_key=True),
    Column("policy_id", String(64), nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("acknowledged_on", Date, nullable=False),
    Column("method", String(32), nullable=False),
    Column("review_id", String(36)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(64), nullable=False),
)


def _facts_query(by_reference: bool) -> Any:
    one = select(literal(1).label("one")).subquery()
    listed = staff_members.alias("listed")
    kept = exists().where(listed.c.unit == bindparam("unit")).label("kept")
    # No reference (an erased case) matches no one, not the erased members' NULL index.
    matched = staff_members.c.ref_index == bindparam("ref_index") if by_reference else false()
    return select(kept, *staff_members.columns).select_from(one.outerjoin(staff_members, matched))


#: ``acknowledgement_facts``' query, with and without a reference; built once, not per page.
_FACTS = {True: _facts_query(True), False: _facts_query(False)}


def ref_index_key(master_key: bytes) -> bytes:
    """The key of the reference hash, derived from (and so guarded like) the master key."""
    return hmac.new(master_key, b"breachtrail staff reference index v1", hashlib.sha256).digest()


class SqlStaffDirectory:
    """The ``StaffDirectory`` port on SQL tables in the event store's database."""

    def __init__(self, datastore: Any, key_ring: Any, index_key: bytes):
        self._datastore = datastore
        self._key_ring = key_ring
        self._index_key = index_key

    def create_tables(self) -> None:
        metadata.create_all(self._datastore.engine)

    # --- writes (inside the events' transaction) ----------------------------------------------

    def upsert_member(self, row: StaffRow) -> None:
        values = {
            "version": row.version, "unit": row.unit, "start_date": row.start_date, "end_date": row.end_date,
            "erased": row.erased, "ref_index": None if row.employee_ref is None else self._index(row.employee_ref),
            "employee_ref": self._seal(row.member_id, "employee_ref", row.employee_ref),
            "name": self._seal(row.member_id, "name", row.name),
        }
        try:
            with self._datastore.transaction(commit=True) as session:
                stored = session.execute(
                    select(staff_members.c.version).where(staff_members.c.member_id == row.member_id)
                ).first()
                if stored is None:
                    session.execute(staff_members.insert().values(member_id=row.member_id, **values))
                elif stored.version < row.version:
                    session.execute(staff_members.update().where(
                        staff_members.c.member_id == row.member_id).values(**values))
        except sqlalchemy.exc.IntegrityError:
            # Two writers put the same reference on the list at once: the later one loses.
            raise IntegrityError(f"employee reference of {row.member_id} is on the staff list already") from None

    def add_acknowledgement(self, row: AcknowledgementRow) -> None:
        with self._datastore.transaction(commit=True) as session:
            known = session.execute(select(staff_acknowledgements.c.member_id).where(
                staff_acknowledgements.c.member_id == row.member_id,
                staff_acknowledgements.c.member_version == row.member_version)).first()
            if known is None:
                session.execute(staff_acknowledgements.insert().values(
                    member_id=row.member_id, member_version=row.member_version, policy_id=row.policy_id,
                    policy_version=row.policy_version, acknowledged_on=row.acknowledged_on, method=row.method,
                    review_id=row.review_id, recorded_at=row.recorded_at, recorded_by=row.recorded_by))
            session.execute(staff_members.update().where(
                staff_members.c.member_id == row.member_id,
                staff_members.c.version < row.member_version).values(version=row.member_version))

    def reset(self) -> None:
        with self._datastore.transaction(commit=True) as session:
            session.execute(delete(staff_acknowledgements))
            session.execute(delete(staff_members))

    # --- reads --------------------------------------------------------------------------------

    def member(self, member_id: str) -> StaffRow | None:
        rows = self._select(staff_members.c.member_id == member_id)
        return rows[0] if rows else None

    def member_by_ref(self, employee_ref: str) -> StaffRow | None:
        rows = self._select(staff_members.c.ref_index == self._index(employee_ref))
        return rows[0] if rows else None

    def unit_members(self, unit: str) -> list[StaffRow]:
        rows = self._select(staff_members.c.unit == unit)
        return sorted(rows, key=lambda r: (r.erased, r.employee_ref or "", r.member_id))

    def units(self) -> list[str]:
        with self._datastore.transaction(commit=False) as session:
            return sorted(session.execute(select(staff_members.c.unit).distinct()).scalars())

    def acknowledgement_facts(
        self, unit: str, employee_ref: str | None
    ) -> tuple[bool, StaffRow | None, list[AcknowledgementRow]]:
        """One transaction, one query (two when the employee is on a list), where the unit's list,
        the member and their acknowledgements were three transactions."""
        index = self._index(employee_ref) if employee_ref else None
        with self._datastore.transaction(commit=False) as session:
            found = session.execute(_FACTS[index is not None], {"unit": unit, "ref_index": index}).one()
            acknowledged = [] if found.member_id is None else session.execute(select(staff_acknowledgements).where(
                staff_acknowledgements.c.member_id == found.member_id)).all()
        member = None if found.member_id is None else self._row(found)
        rows = [AcknowledgementRow(**row._mapping) for row in acknowledged]
        return bool(found.kept), member, sorted(rows, key=lambda a: (a.acknowledged_on, a.recorded_at))

    def acknowledgements(self, member_ids: Sequence[str]) -> list[AcknowledgementRow]:
        found: list[AcknowledgementRow] = []
        ids = list(member_ids)
        for start in range(0, len(ids), 500):
            with self._datastore.transaction(commit=False) as session:
                rows = session.execute(select(staff_acknowledgements).where(
                    staff_acknowledgements.c.member_id.in_(ids[start:start + 500]))).all()
            found += [AcknowledgementRow(**row._mapping) for row in rows]
        return sorted(found, key=lambda a: (a.acknowledged_on, a.recorded_at))

    def leavers(self, left_before: date) -> list[StaffRow]:
        return self._select(staff_members.c.erased.is_(False), staff_members.c.end_date < left_before)

    # --- internals ----------------------------------------------------------------------------

    def _select(self, *where: Any) -> list[StaffRow]:
        with self._datastore.transaction(commit=False) as session:
            rows = session.execute(select(staff_members).where(*where)).all()
        return [self._row(row) for row in rows]

    def _row(self, row: Any) -> StaffRow:
        return StaffRow(
            member_id=row.member_id, version=row.version, unit=row.unit,
            employee_ref=self._open(row.member_id, "employee_ref", row.employee_ref),
            name=self._open(row.member_id, "name", row.name), start_date=row.start_date,
            end_date=row.end_date, erased=row.erased,
        )

    def _index(self, employee_ref: str) -> str:
        return hmac.new(self._index_key, employee_ref.encode(), hashlib.sha256).hexdigest()

    def _seal(self, member_id: str, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        uid = UUID(member_id)
        sealed = self._key_ring.encrypt(uid, f"{member_id}/staff/{field}", value.encode(), create=True)
        return base64.urlsafe_b64encode(sealed).decode("ascii")

    def _open(self, member_id: str, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        plain = self._key_ring.decrypt(UUID(member_id), f"{member_id}/staff/{field}",
                                       base64.urlsafe_b64decode(value.encode("ascii")))
        return None if plain is None else plain.decode()
