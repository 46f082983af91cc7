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
from service.personal_data import Sealed, open_sealed


class SealedEmployee:
    """Seals a row's employee fields with the case's key on the way in, opens them on the way out.

    A column holds one of two forms, both under the case's key: ``<b64>``, sealed here for the
    row (context ``<case>/summary/<field>``), or ``<version>:<b64>``, the value exactly as the
    case's event ``version`` sealed it (a fold of sealed events: ``service.personal_data.Sealed``),
    copied through without a key. Base64 has no ``:``, so the forms cannot be confused.
    """

    FIELDS = ("employee_ref", "employee_name")

    def __init__(self, key_ring: Any):
        self._key_ring = key_ring

    @property
    def key_ring(self) -> Any:
        return self._key_ring

    def seal(self, values: dict[str, Any]) -> dict[str, Any]:
        case_id: UUID | None = None
        for field in self.FIELDS:
            value = values[field]
            if isinstance(value, Sealed):
                values[field] = f"{value.version}:{value}"
            elif value is not None and self._key_ring is not None:
                case_id = case_id or UUID(values["id"])
                sealed = self._key_ring.encrypt(case_id, f"{case_id}/summary/{field}", value.encode(), create=False)
                values[field] = base64.urlsafe_b64encode(sealed).decode("ascii")
        return values

    def open(self, row: CaseRow) -> CaseRow:
        opened = self.opened(row.id, {field: getattr(row, field) for field in self.FIELDS})
        return row if opened is None else dataclasses.replace(row, **opened)

    def open_columns(self, values: dict[str, Any]) -> dict[str, Any]:
        """A row's stored columns with the employee fields opened (before the row is made: making
        it again with them cost a list page more than opening them)."""
        opened = self.opened(values["id"], {field: values[field] for field in self.FIELDS})
        if opened is not None:
            values.update(opened)
        return values

    def opened(self, row_id: str, sealed: dict[str, str | None]) -> dict[str, str | None] | None:
        """The fields opened; None when there is nothing to open (no key ring, or no employee)."""
        if self._key_ring is None or all(value is None for value in sealed.values()):
            return None
        case_id = UUID(row_id)
        opened: dict[str, str | None] = {}
        for field, value in sealed.items():
            if value is not None and ":" in value:
                version, text = value.split(":", 1)
                value = open_sealed(self._key_ring, case_id, int(version), field, text)
            elif value is not None:
                plain = self._key_ring.decrypt(case_id, f"{case_id}/summary/{field}",
                                               base64.urlsafe_b64decode(value.encode("ascii")))
                value = None if plain is None else plain.decode()
            opened[field] = value
        return opened
