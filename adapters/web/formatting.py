"""How values read on a page: Danish dates, and the domain's words for statuses, steps and roles.

The words are GLOSSARY.md's; every one goes through gettext, so the English locale has them too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Flask, g
from flask_babel import format_date, format_decimal, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

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


def whole_number(value: int) -> str:
    """``1.000`` (in English: ``1,000``)."""
    return str(format_decimal(value))


def short_date(value: date | datetime | None) -> str:
    """``02-12-2026``, for tables."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d-%m-%Y")


#: Where the municipality is: the times on a page are its clock's (BABEL_DEFAULT_TIMEZONE).
LOCAL_TIME = ZoneInfo("Europe/Copenhagen")


@cache
def _month_names(locale: str) -> dict[int, str]:
    return dict(Locale.parse(locale).months["format"]["wide"])


def moment(value: datetime | None) -> str:
    """A point in time in Danish time: ``2. december 2026 kl. 14.05`` (``2 December 2026, 14:05``).

    Written out here rather than with Babel's ``format_datetime``, which parsed the pattern and
    looked up the locale and time zone again for every entry of a timeline.
    """
    if value is None:
        return ""
    local = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(LOCAL_TIME)
    language = str(get_locale())
    month = _month_names(language)[local.month]
    if language == "da":
        return f"{local.day}. {month} {local.year} kl. {local.hour:02d}.{local.minute:02d}"
    return f"{local.day} {month} {local.year}, {local.hour:02d}:{local.minute:02d}"


def label(table: dict[str, Any], value: Any) -> str:
    """The word for ``value`` in ``table``, translated once per request (tables hold lazy strings)."""
    if value is None:
        return ""
    key = str(value)
    text = table.get(key)
    if text is None:
        return key
    words: dict[tuple[int, str], str] = g.setdefault("translated_labels", {})
    found = words.get((id(table), key))
    if found is None:
        found = words[(id(table), key)] = str(text)
    return found


def _page_translations() -> Any:
    """This request's catalogue, looked up once: Flask-Babel's own ``_()`` in templates looked up
    the locale and the catalogue again for each of a page's fifty-odd texts. Kept in ``g``, as
    Flask-Babel keeps the request's locale."""
    translations = g.get("page_translations")
    if translations is None:
        translations = g.page_translations = get_translations()
    return translations


def translated(text: str) -> str:
    """``text`` in the request's language (for Python code that builds what a page shows)."""
    return str(_page_translations().ugettext(text))


@pass_eval_context
def _translate(eval_context: EvalContext, text: str, **variables: Any) -> str:
    # What Jinja's newstyle ``_()`` does, in one call where it took three (an alias, a wrapper
    # and the catalogue's function, each through the template context): a page has fifty-odd.
    found = _page_translations().ugettext(text)
    if eval_context.autoescape:
        found = Markup(found)
    return found % variables  # type: ignore[no-any-return]


def register(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: _page_translations().ugettext(text),
        ngettext=lambda singular, plural, n: _page_translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, text: _page_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: _page_translations().unpgettext(context, singular, plural, n),
    )
    app.jinja_env.globals["_"] = _translate
    filters = {
        "long_date": long_date, "short_date": short_date, "whole_number": whole_number, "moment": moment,
        "rule_title": rule_title,
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
