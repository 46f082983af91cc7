"""Importing a unit's staff list from the HR system's CSV export: read it, and plan the changes.

The plan compares the file with the staff list as it stands: who is new, whose details
changed (a move from another unit included), who is no longer in the file (a leaver: their
end date becomes the day of the import) and who is unchanged. Applying the same file twice
changes nothing the second time, and a dry run shows the plan without storing it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from domain.errors import InvalidCaseData
from domain.staff import member_errors
from service.staff_directory import StaffRow

COLUMNS = ("employee_ref", "name", "start_date", "end_date")
REQUIRED_COLUMNS = ("employee_ref", "name", "start_date")
MAX_ROWS = 20_000
_DANISH_DATE = re.compile(r"(\d{2})-(\d{2})-(\d{4})")


@dataclass(frozen=True)
class StaffEntry:
    """One line of the file: an employee as HR's system has them."""

    line: int
    employee_ref: str
    name: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class Change:
    member_id: str
    employee_ref: str
    before: StaffRow
    unit: str
    name: str
    start_date: date
    end_date: date | None

    @property
    def fields(self) -> list[str]:
        """What changes: unit, name, start_date, end_date (never the values: the plan is printed)."""
        pairs = [("unit", self.before.unit, self.unit), ("name", self.before.name, self.name),
                 ("start_date", self.before.start_date, self.start_date),
                 ("end_date", self.before.end_date, self.end_date)]
        return [name for name, old, new in pairs if old != new]


@dataclass
class ImportPlan:
    unit: str
    additions: list[StaffEntry] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    leavers: list[Change] = field(default_factory=list)
    unchanged: int = 0
    applied: bool = False

    @property
    def steps(self) -> int:
        return len(self.additions) + len(self.changes) + len(self.leavers)


def _parse_date(text: str) -> date:
    text = text.strip()
    danish = _DANISH_DATE.fullmatch(text)
    if danish:
        return date(int(danish[3]), int(danish[2]), int(danish[1]))
    return date.fromisoformat(text)


def parse_staff_csv(text: str) -> list[StaffEntry]:
    """The entries of a staff CSV (``employee_ref,name,start_date[,end_date]``, comma or semicolon).

    Every problem is reported at once, keyed ``line N.column``; nothing is read from a bad file.
    """
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InvalidCaseData.field("file", f"the header must name the columns {', '.join(COLUMNS)} "
                                            f"(end_date may be left out); missing: {', '.join(missing)}")
    reader.fieldnames = header
    errors: dict[str, list[str]] = {}
    entries: list[StaffEntry] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if len(entries) >= MAX_ROWS:
            raise InvalidCaseData.field("file", f"at most {MAX_ROWS} employees in one file")
        values = {key: (value or "").strip() for key, value in row.items() if isinstance(key, str)}
        if not any(values.values()):
            continue
        dates: dict[str, date | None] = {}
        for column in ("start_date", "end_date"):
            raw = values.get(column, "")
            try:
                dates[column] = _parse_date(raw) if raw else None
            except ValueError:
                errors[f"line {line}.{column}"] = [f"not a date: {raw!r} (write 2026-03-01 or 01-03-2026)"]
        start = dates.get("start_date")
        if start is None and f"line {line}.start_date" not in errors:
            errors[f"line {line}.start_date"] = ["missing"]
        ref, name = values.get("employee_ref", ""), values.get("name", "")
        if ref in seen:
            errors[f"line {line}.employee_ref"] = [f"{ref!r} is on line {seen[ref]} too"]
        seen.setdefault(ref, line)
        if start is not None:
            problems = member_errors(unit="x", employee_ref=ref, name=name, start_date=start,
                                     end_date=dates.get("end_date"))
            for column, messages in problems.items():
                errors.setdefault(f"line {line}.{column}", []).extend(messages)
            if not problems:
                entries.append(StaffEntry(line, ref, name, start, dates.get("end_date")))
    if errors:
        raise InvalidCaseData(errors)
    return entries


def plan_import(
    unit: str,
    entries: Sequence[StaffEntry],
    unit_members: Sequence[StaffRow],
    elsewhere: dict[str, StaffRow],
    *,
    today: date,
) -> ImportPlan:
    """What importing ``entries`` into ``unit`` changes; ``elsewhere`` holds the file's refs
    already on another unit's list."""
    plan = ImportPlan(unit)
    by_ref = {m.employee_ref: m for m in unit_members if m.employee_ref is not None}
    in_file = {e.employee_ref for e in entries}
    for entry in entries:
        known = by_ref.get(entry.employee_ref) or elsewhere.get(entry.employee_ref)
        if known is None:
            plan.additions.append(entry)
            continue
        change = Change(known.member_id, entry.employee_ref, known, unit, entry.name, entry.start_date,
                        entry.end_date)
        if change.fields:
            plan.changes.append(change)
        else:
            plan.unchanged += 1
    for member in unit_members:
        if member.erased or member.employee_ref is None or member.employee_ref in in_file:
            continue
        if member.end_date is not None and member.end_date <= today:
            continue  # left already
        end = max(today, member.start_date)
        plan.leavers.append(Change(member.member_id, member.employee_ref, member, unit, member.name or "",
                                   member.start_date, end))
    return plan

