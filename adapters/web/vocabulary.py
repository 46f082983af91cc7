"""Danish words for what the newer pages show: deadline kinds, changes of access, staff events.

Kept apart from ``formatting`` so the pages for tasks, staff and statistics releases add their
words in one place; every word goes through gettext, so the English locale has them too.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from adapters.web.formatting import ROLE, label, long_date

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
#: Why a step of a policy's life was refused, by the domain's code for it, with what it names.
POLICY_REFUSAL = {
    "approved_no_consultation": _l("Version %(version)s er allerede godkendt. Skriv en ny version for at sende "
                                   "en ny tekst i høring."),
    "already_consulted": _l("Version %(version)s blev allerede sendt i høring den %(on)s."),
    "already_answered": _l("%(body)s har allerede afgivet høringssvar på version %(version)s."),
    "already_approved": _l("Version %(version)s er allerede godkendt af %(body)s."),
    "already_in_force": _l("Version %(version)s er allerede trådt i kraft."),
    "consultation_open": _l("Høringen om version %(version)s er stadig åben. Afslut høringen først."),
    "in_force_from": _l("Version %(version)s er allerede trådt i kraft fra den %(on)s."),
    "not_approved_for_force": _l("Version %(version)s er ikke godkendt. Kun en godkendt version kan træde i kraft."),
    "unit_own": _l("Retningslinjen er enheden %(unit)s' egen. Kun områdets fælles retningslinje kan tilpasses."),
    "not_approved_for_adaptation": _l("Version %(version)s er ikke godkendt. Tilpas en godkendt version."),
    "ended": _l("Retningslinjen ophørte den %(on)s (%(why)s)."),
    "no_such_version": _l("Der er ingen version %(version)s. Den nyeste er version %(latest)s."),
    "no_open_consultation": _l("Version %(version)s har ingen åben høring."),
}


def policy_refusal(code: str, facts: dict[str, Any]) -> str:
    """A refused policy step in the reader's language (a general sentence for a code without words)."""
    words = POLICY_REFUSAL.get(code)
    if words is None:
        return str(_l("Skridtet kan ikke udføres, som retningslinjen står nu."))
    shown = {name: long_date(value) if hasattr(value, "isoformat") else value for name, value in facts.items()}
    return str(words) % shown


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
