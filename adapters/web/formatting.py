"""How values read on a page: Danish dates, and the domain's words for statuses, steps and roles.

The words are GLOSSARY.md's; every one goes through gettext, so the English locale has them too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from adapters.web.rules import rule_title

STATUS = {
    "reported": _l("indberettet"),
    "assessed": _l("vurderet"),
    "talk_held": _l("tjenstlig samtale afholdt"),
    "warning_issued": _l("skriftlig advarsel givet"),
    "escalated": _l("eskaleret"),
    "closed": _l("afsluttet"),
}
STATUS_BADGE = {
    "reported": "badge-info", "assessed": "badge-info", "talk_held": "badge-warning",
    "warning_issued": "badge-warning", "escalated": "badge-error", "closed": "badge-success",
}
OUTCOME = {
    "dismissed": _l("henlagt"), "resolved": _l("løst"), "sanctioned": _l("sanktioneret"),
    "referred": _l("videregivet"),
}
SEVERITY = {"low": _l("lav"), "medium": _l("middel"), "high": _l("høj")}
CHANNEL = {
    "snapchat": "Snapchat", "facebook": "Facebook", "instagram": "Instagram", "messenger": "Messenger",
    "sms": _l("sms"), "other": _l("anden kanal"),
}
ROLE = {"manager": _l("leder"), "hr": _l("HR"), "rep": _l("arbejdsmiljørepræsentant")}
STEP = {
    "assessment": _l("Vurdering"),
    "hearing": _l("Partshøring"),
    "statements": _l("Medarbejderens bemærkninger"),
    "talks": _l("Tjenstlig samtale"),
    "warnings": _l("Skriftlig advarsel"),
    "escalation": _l("Eskalering"),
    "notes": _l("Notat"),
    "closure": _l("Afslutning"),
    "reopening": _l("Genåbning"),
    "erasure": _l("Sletning af personoplysninger"),
}
EVENT = {
    "IncidentReported": _l("Hændelsen er indberettet"),
    "Assessed": _l("Hændelsen er vurderet"),
    "HearingOpened": _l("Partshøring er sendt"),
    "StatementRecorded": _l("Medarbejderens bemærkninger er registreret"),
    "TalkHeld": _l("Tjenstlig samtale er afholdt"),
    "WarningIssued": _l("Skriftlig advarsel er givet"),
    "Escalated": _l("Sagen er eskaleret"),
    "NoteAdded": _l("Notat er tilføjet"),
    "Closed": _l("Sagen er afsluttet"),
    "Reopened": _l("Sagen er genåbnet"),
    "PersonalDataErased": _l("Personoplysningerne er slettet"),
}
READ = {
    "case": _l("sagen"), "history": _l("sagsforløbet"), "export": _l("udtræk af sagen"),
    "access-log": _l("adgangsloggen"),
}
DIMENSION = {
    "unit": _l("Enhed"), "rule": _l("Regel"), "month": _l("Måned"), "status": _l("Status"),
    "outcome": _l("Udfald"), "channel": _l("Kanal"),
}


def long_date(value: date | datetime | None) -> str:
    """``2. december 2026`` (in English: ``2 December 2026``)."""
    if value is None:
        return ""
    return format_date(value, "long")


def short_date(value: date | datetime | None) -> str:
    """``02-12-2026``, for tables."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d-%m-%Y")


def moment(value: datetime | None) -> str:
    """A point in time in Danish time: ``2. december 2026 kl. 14.05``."""
    if value is None:
        return ""
    return format_datetime(value, "d. MMMM y 'kl.' HH.mm" if str(get_locale()) == "da" else "d MMMM y, HH:mm")


def label(table: dict[str, Any], value: Any) -> str:
    if value is None:
        return ""
    return str(table.get(str(value), value))


def register(app: Flask) -> None:
    filters = {
        "long_date": long_date, "short_date": short_date, "moment": moment, "rule_title": rule_title,
        "status_label": lambda v: label(STATUS, v), "outcome_label": lambda v: label(OUTCOME, v),
        "severity_label": lambda v: label(SEVERITY, v), "channel_label": lambda v: label(CHANNEL, v),
        "role_label": lambda v: label(ROLE, v), "step_label": lambda v: label(STEP, v),
        "event_label": lambda v: label(EVENT, v), "read_label": lambda v: label(READ, v),
        "dimension_label": lambda v: label(DIMENSION, v),
    }
    filters["pairs"] = lambda values: [(v, v) for v in values]
    filters["rule_options"] = lambda rules: [(r.code, f"{r.code} {r.title}") for r in rules]
    app.jinja_env.filters.update(filters)
    app.jinja_env.globals["channel_options"] = lambda: [(key, str(text)) for key, text in CHANNEL.items()]
    app.jinja_env.globals["outcome_options"] = lambda: [(key, str(text)) for key, text in OUTCOME.items()]
    app.jinja_env.globals["severity_options"] = lambda: [(key, str(text)) for key, text in SEVERITY.items()]
    app.jinja_env.globals.update(status_badge=STATUS_BADGE, statuses=STATUS, outcomes=OUTCOME,
                                 severities=SEVERITY, channels=CHANNEL, roles_named=ROLE)
