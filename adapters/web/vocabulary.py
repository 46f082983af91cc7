"""Danish words for what the newer pages show: deadline kinds, changes of access, staff events.

Kept apart from ``formatting`` so the pages for tasks, staff and statistics releases add their
words in one place; every word goes through gettext, so the English locale has them too.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from adapters.web.formatting import ROLE, label

DEADLINE_KIND = {
    "hearing_deadline": _l("Partshøringens frist"),
    "idle": _l("Sagen har ligget stille"),
    "warning_expiry": _l("Advarslens gyldighed udløber"),
    "retention_due": _l("Personoplysninger skal slettes"),
    "consultation_deadline": _l("Høringsfrist for retningslinjerne"),
    "introduction_missing": _l("Introduktion til retningslinjerne mangler"),
}
GRANT_EVENT = {
    "UserAdded": _l("Bruger oprettet"),
    "RoleChanged": _l("Rolle ændret"),
    "UnitsChanged": _l("Enheder ændret"),
    "UserRevoked": _l("Adgang spærret"),
    "TokenIssued": _l("Ny nøgle udstedt"),
}
METHOD = {
    "review": _l("gennemgang"), "intro_meeting": _l("introduktionsmøde"), "e_learning": _l("e-læring"),
    "handed_out": _l("udleveret og kvitteret"),
}
RUN_OUTCOME = {"running": _l("kører"), "ok": _l("gennemført"), "failed": _l("fejlede")}


def grant_details(data: dict[str, Any]) -> str:
    """What a change of access set, in words: ``rolle leder, enheder skoler``."""
    parts = []
    if "role" in data:
        parts.append(f"{_l('rolle')} {label(ROLE, data['role'])}")
    if "units" in data:
        parts.append(f"{_l('enheder')} {', '.join(data['units']) or '–'}")
    return ", ".join(parts)


def register(app: Flask) -> None:
    app.jinja_env.filters.update({
        "deadline_kind_label": lambda v: label(DEADLINE_KIND, v),
        "grant_event_label": lambda v: label(GRANT_EVENT, v),
        "run_outcome_label": lambda v: label(RUN_OUTCOME, v),
        "grant_details": grant_details,
        "method_label": lambda v: label(METHOD, v),
    })
    app.jinja_env.globals["staff_options"] = lambda staff: [
        (row.employee_ref, f"{row.name} ({row.employee_ref})") for row in staff if row.employee_ref]
    app.jinja_env.globals["introduction_methods"] = lambda: [
        (key, str(METHOD[key])) for key in ("intro_meeting", "e_learning", "handed_out")]
