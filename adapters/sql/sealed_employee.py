"""The case list's employee fields sealed with the case's key: no clear copy outlives an erasure.

The list row keeps the employee's reference and name for the list's sake; they are encrypted
like the events, so destroying the case key on erasure leaves nothing readable behind.
"""

from __future__ import annotations

import base64
import dataclasses
from typing import Any
from uuid import UUID

from service.case_list import CaseRow


class SealedEmployee:
    """Seals a row's employee fields with the case's key on the way in, opens them on the way out."""

    FIELDS = ("employee_ref", "employee_name")

    def __init__(self, key_ring: Any):
        self._key_ring = key_ring

    @property
    def key_ring(self) -> Any:
        return self._key_ring

    def seal(self, values: dict[str, Any]) -> dict[str, Any]:
        if self._key_ring is None:
            return values
        case_id = UUID(values["id"])
        for field in self.FIELDS:
            if values[field] is not None:
                sealed = self._key_ring.encrypt(case_id, f"{case_id}/summary/{field}", values[field].encode(),
                                                create=False)
                values[field] = base64.urlsafe_b64encode(sealed).decode("ascii")
        return values

    def open(self, row: CaseRow) -> CaseRow:
        if self._key_ring is None or (row.employee_ref is None and row.employee_name is None):
            return row
        case_id = UUID(row.id)
        opened: dict[str, str | None] = {}
        for field in self.FIELDS:
            value = getattr(row, field)
            if value is not None:
                plain = self._key_ring.decrypt(case_id, f"{case_id}/summary/{field}",
                                               base64.urlsafe_b64decode(value.encode("ascii")))
                value = None if plain is None else plain.decode()
            opened[field] = value
        return dataclasses.replace(row, **opened)
