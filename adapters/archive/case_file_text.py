"""A case file for people to read: Markdown rendered from the very document that is archived.

It is rendered from the JSON document (not from the service), so it can hold nothing the
JSON does not; an erased value reads as "(erased)". Every value from the case is escaped: HTML
(``<img onerror=...>`` in a name) comes out as text, Markdown punctuation cannot make a link,
an image or emphasis, and the direction controls a free text may hold are shown by their code
points instead of reordering what follows them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from domain.case import PERSONAL_DATA_FIELDS
from domain.rules import is_known_rule, rule
from domain.validation import MISLEADING_CHARACTERS

ERASED = "(erased)"
# What can open a link, an image, emphasis, code or a table cell; HTML's < > & are entities.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|])")
_SHOWN = re.compile("[" + "".join(sorted(MISLEADING_CHARACTERS)) + "]")
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
        f"# Case file {_md(case['id'])}",
        "",
        f"Exported {_md(export['exported_at'])} by {_actor(export['exported_by'])}; "
        f"{_md(export['format'])} version {_md(export['format_version'])}. "
        "The JSON file beside this one is the record; this is a reading copy.",
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
        lines += ["", f"### {_md(entry['version'])}. {_md(entry['type'])}",
                  "", f"Recorded {_md(entry['recorded_at'])} by {_actor(entry['actor'])}.", ""]
        lines += _event_data(entry["data"], erased)
    lines += ["", f"## Access log ({len(document['access_log'])} reads, oldest first)", ""]
    lines += _table(
        ["When", "Who", "Read", "Version asked", "As of"],
        [[_md(e["at"]), _actor(e["user"]), _md(e["read"]), _text(e["version"]), _text(e["as_of"])]
         for e in document["access_log"]],
    )
    lines += ["", "## Chain links", "",
              "Each event's seal in the tamper-evident chain; `breachtrail verify` recomputes them.", ""]
    lines += _table(["Event log position", "Version", "Link (HMAC-SHA256)"],
                    [[_md(link["notification_id"]), _md(link["version"]), f"`{_md(link['link'])}`"]
                     for link in document["chain"]])
    return "\n".join(lines) + "\n"


def _case_facts(case: dict[str, Any], erased: bool) -> list[list[str]]:
    employee = case["employee"]
    closure = case["closure"]
    status = _md(case["status"]) + (f" ({_md(closure['outcome'])})" if closure else "")
    name = _md(employee["name"]) if employee and employee["name"] else "(no name)"
    rows = [
        ["Unit", _md(case["unit"])],
        ["Status", f"{status}, version {_md(case['version'])}"],
        ["Employee", ERASED if employee is None else f"{name} ({_md(employee['ref'])})"],
        ["Incident", f"{_md(case['occurred_on'])}, on {_md(case['channel'])}"],
        ["Rules", "; ".join(_rule(code) for code in case["rules"])],
        ["Reported", f"{_md(case['reported_at'])} by {_md(case['reported_by'])}"],
        ["Last activity", _md(case["last_activity_at"])],
    ]
    if closure:
        rows.append(["Closed", f"{_md(closure['closed_at'])} by {_md(closure['closed_by'])}"])
    erasure = case["erasure"]
    rows.append(["Personal data", f"erased {_md(erasure['erased_at'])} by {_md(erasure['erased_by'])}" if erasure
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
    return [f"> {_md(line)}".rstrip() for line in text.splitlines() or [""]]


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    cells = [list(header), ["---"] * len(header), *([_cell(c) for c in row] for row in rows)]
    return ["| " + " | ".join(row) + " |" for row in cells]


def _cell(value: str) -> str:
    # A table cell is one line (values are escaped already, a pipe among them).
    return " ".join(value.split())


def _rule(code: str) -> str:
    return _md(f"{code} {rule(code).title_en}" if is_known_rule(code) else code)


def _actor(actor: dict[str, str]) -> str:
    return f"{_md(actor['id'])} ({_md(actor['role'])})"


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _md(value)


def _md(value: Any) -> str:
    """``value`` as Markdown text that renders as exactly that text, and reads so in its source."""
    text = html.escape(str(value), quote=False)
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return _SHOWN.sub(lambda found: f"&lt;U+{ord(found.group()):04X}&gt;", text)
