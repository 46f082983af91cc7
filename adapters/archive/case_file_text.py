"""A case file for people to read: Markdown rendered from the very document that is archived.

It is rendered from the JSON document (not from the service), so it can hold nothing the
JSON does not; an erased value reads as "(erased)".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from domain.case import PERSONAL_DATA_FIELDS
from domain.rules import is_known_rule, rule

ERASED = "(erased)"
_LABELS = {
    "employee_ref": "Employee reference",
    "employee_name": "Employee name",
    "occurred_on": "Incident day",
    "work_environment_issue": "Work-environment issue",
}


def render_case_file(document: dict[str, Any]) -> str:
    """The case file as Markdown: the case, its history, its access log and its chain links."""
    export, case = document["export"], document["case"]
    erased = bool(case["personal_data_erased"])
    lines = [
        f"# Case file {case['id']}",
        "",
        f"Exported {export['exported_at']} by {_actor(export['exported_by'])}; "
        f"{export['format']} version {export['format_version']}. The JSON file beside this one is the record; "
        "this is a reading copy.",
        "",
        "## The case",
        "",
        *_table(["", ""], _case_facts(case, erased)),
        "",
        "### Description",
        "",
        *_quote(case["description"]),
        "",
        f"## History ({len(document['history'])} events, oldest first)",
    ]
    for entry in document["history"]:
        lines += ["", f"### {entry['version']}. {entry['type']}",
                  "", f"Recorded {entry['recorded_at']} by {_actor(entry['actor'])}.", ""]
        lines += _event_data(entry["data"], erased)
    lines += ["", f"## Access log ({len(document['access_log'])} reads, oldest first)", ""]
    lines += _table(
        ["When", "Who", "Read", "Version asked", "As of"],
        [[e["at"], _actor(e["user"]), e["read"], _text(e["version"]), _text(e["as_of"])]
         for e in document["access_log"]],
    )
    lines += ["", "## Chain links", "",
              "Each event's seal in the tamper-evident chain; `breachtrail verify` recomputes them.", ""]
    lines += _table(["Event log position", "Version", "Link (HMAC-SHA256)"],
                    [[str(link["notification_id"]), str(link["version"]), f"`{link['link']}`"]
                     for link in document["chain"]])
    return "\n".join(lines) + "\n"


def _case_facts(case: dict[str, Any], erased: bool) -> list[list[str]]:
    employee = case["employee"]
    closure = case["closure"]
    status = case["status"] + (f" ({closure['outcome']})" if closure else "")
    rows = [
        ["Unit", case["unit"]],
        ["Status", f"{status}, version {case['version']}"],
        ["Employee", ERASED if employee is None else f"{employee['name'] or '(no name)'} ({employee['ref']})"],
        ["Incident", f"{case['occurred_on']}, on {case['channel']}"],
        ["Rules", "; ".join(_rule(code) for code in case["rules"])],
        ["Reported", f"{case['reported_at']} by {case['reported_by']}"],
        ["Last activity", case["last_activity_at"]],
    ]
    if closure:
        rows.append(["Closed", f"{closure['closed_at']} by {closure['closed_by']}"])
    erasure = case["erasure"]
    rows.append(["Personal data", f"erased {erasure['erased_at']} by {erasure['erased_by']}" if erasure
                 else ("erased" if erased else "present")])
    return rows


def _event_data(data: dict[str, Any], erased: bool) -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        label = _LABELS.get(key, key.replace("_", " ").capitalize())
        gone = erased and key in PERSONAL_DATA_FIELDS
        if isinstance(value, str) and ("\n" in value or len(value) > 80):
            lines += [f"- {label}:", "", *("  " + line for line in _quote(value)), ""]
        elif isinstance(value, list):
            shown = ", ".join(_rule(v) if key == "rules" else _text(v) for v in value)
            lines.append(f"- {label}: {shown or (ERASED if gone else '(none)')}")
        else:
            lines.append(f"- {label}: {ERASED if value is None and gone else _text(value)}")
    return lines or ["- (no data)"]


def _quote(text: str | None) -> list[str]:
    if text is None:
        return [f"> {ERASED}"]
    return [f"> {line}".rstrip() for line in text.splitlines() or [""]]


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    cells = [list(header), ["---"] * len(header), *([_cell(c) for c in row] for row in rows)]
    return ["| " + " | ".join(row) + " |" for row in cells]


def _cell(value: str) -> str:
    # A table cell is one line, and a pipe would end it.
    return " ".join(value.split()).replace("|", "\\|")


def _rule(code: str) -> str:
    return f"{code} {rule(code).title_en}" if is_known_rule(code) else code


def _actor(actor: dict[str, str]) -> str:
    return f"{actor['id']} ({actor['role']})"


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
