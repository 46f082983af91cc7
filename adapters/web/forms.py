"""Reading a submitted form, and the service's refusals as messages beside the fields.

A form is parsed only into types (a date, a list of lines); whether the values are allowed
is the service's and the domain's to say, and their words come back here in Danish.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from domain.errors import InvalidCaseData


class FormReader:
    """Typed values from a form, collecting a message per field that cannot be read."""

    def __init__(self, form: Mapping[str, Any], prefix: str = ""):
        self.form = form
        self.prefix = prefix
        self.errors: dict[str, str] = {}

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def text(self, name: str) -> str:
        return str(self.form.get(self.key(name), "")).strip()

    def optional_text(self, name: str) -> str | None:
        return self.text(name) or None

    def date(self, name: str, *, required: bool = True) -> date | None:
        text = self.text(name)
        if not text:
            if required:
                self.errors[self.key(name)] = _("Angiv en dato")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors[self.key(name)] = _("Skriv datoen som år-måned-dag, fx 2026-12-02")
            return None

    def choice(self, name: str, choices: Mapping[str, Any], message: str) -> Any:
        value = self.text(name)
        if value not in choices:
            self.errors[self.key(name)] = message
            return None
        return choices[value]

    def lines(self, name: str) -> list[str]:
        return [line.strip() for line in self.text(name).splitlines() if line.strip()]

    def values(self) -> dict[str, Any]:
        """What was typed, to show again in the form."""
        return {key: value for key, value in self.form.items() if key != "csrf_token"}


_MESSAGES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"must not lie in the future"), _l("Datoen må ikke ligge i fremtiden")),
    (re.compile(r"must not lie before the incident"), _l("Datoen må ikke ligge før hændelsen")),
    (re.compile(r"must lie after"), _l("Datoen skal ligge efter den første dato")),
    (re.compile(r"must not lie before start_date"), _l("Fratrædelsesdatoen må ikke ligge før startdatoen")),
    (re.compile(r"lies after the employee's end date"), _l("Datoen ligger efter medarbejderens fratrædelse")),
    (re.compile(r"is not on the staff list"), _l("Vælg deltagere fra enhedens medarbejderliste")),
    (re.compile(r"was not employed in"), _l("En af deltagerne var ikke ansat i enheden den dag")),
    (re.compile(r"name each participant once"), _l("Vælg hver deltager én gang")),
    (re.compile(r"no policy is in force"), _l("Der var ingen retningslinje i kraft i enheden den dag")),
    (re.compile(r"is required|must not be blank"), _l("Udfyld feltet")),
    (re.compile(r"must be at most (\d+) characters"), _l("Teksten er for lang")),
    (re.compile(r"name at least one rule"), _l("Vælg mindst én regel fra retningslinjen")),
    (re.compile(r"unknown rule"), _l("Vælg regler fra listen")),
    (re.compile(r"name at least one participant"), _l("Skriv mindst én deltager")),
    (re.compile(r"name at most \d+ participants"), _l("Der kan højst være 20 deltagere")),
    (re.compile(r"unknown unit|slug"), _l("Vælg en enhed fra listen")),
)


def translated(message: str) -> str:
    """The service's English message for a field, in the reader's language."""
    for pattern, text in _MESSAGES:
        if pattern.search(message):
            return str(text)
    return message


def service_errors(
    error: InvalidCaseData, prefix: str = "", renames: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The domain's field errors as form errors (``employee.ref`` → ``employee_ref``)."""
    renames = renames or {}
    found: dict[str, str] = {}
    for field, messages in error.errors.items():
        name = renames.get(field, field.split(".", 1)[0] if field.startswith("participants") else field)
        name = name.replace(".", "_")
        found.setdefault(prefix + name, translated(messages[0]))
    return found
