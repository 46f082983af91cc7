"""The steps of a case as forms: which fields each has, and how its answers become a command.

Which steps a case allows comes from the case itself (``allowed_steps``) and which the user
may take from the service's table of roles; this module only reads forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _

from adapters.web.formatting import long_date
from adapters.web.forms import FormReader
from domain.values import Outcome, Severity, Step
from domain.working_days import DEFAULT_HEARING_WORKING_DAYS, add_working_days
from service.authorisation import STEP_ROLES
from service.cases import CaseService
from service.users import User
from service.views import CaseView

# The order steps are offered in on the case page; erasure has a page of its own.
ORDER = ("assessment", "hearing", "statements", "talks", "warnings", "notes", "escalation", "closure", "reopening")


@dataclass
class StepForm:
    """A submitted step form: its values and messages, kept when the page is shown again."""

    step: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None


def _assessment(form: FormReader) -> dict[str, Any]:
    issue = form.choice("work_environment_issue", {"yes": True, "no": False},
                        _("Angiv, om det er en arbejdsmiljømæssig problemstilling"))
    severity = form.choice("severity", {s.value: s for s in Severity}, _("Vælg alvorlighed"))
    return {"work_environment_issue": issue, "severity": severity, "notes": form.optional_text("notes")}


def _hearing(form: FormReader) -> dict[str, Any]:
    return {"sent_on": form.date("sent_on"), "deadline": form.date("deadline", required=False)}


def _statement(form: FormReader) -> dict[str, Any]:
    return {"received_on": form.date("received_on"), "summary": form.text("summary")}


def _talk(form: FormReader) -> dict[str, Any]:
    return {"held_on": form.date("held_on"), "participants": form.lines("participants"),
            "union_rep_present": form.text("union_rep_present") == "yes", "summary": form.text("summary")}


def _warning(form: FormReader) -> dict[str, Any]:
    return {"issued_on": form.date("issued_on"), "text": form.text("text"),
            "valid_until": form.date("valid_until", required=False),
            "unacknowledged_policy_reason": form.optional_text("unacknowledged_policy_reason")}


def _note(form: FormReader) -> dict[str, Any]:
    return {"text": form.text("text")}


def _closure(form: FormReader) -> dict[str, Any]:
    outcome = form.choice("outcome", {o.value: o for o in Outcome}, _("Vælg sagens udfald"))
    return {"outcome": outcome, "reason": form.text("reason")}


def _reason(form: FormReader) -> dict[str, Any]:
    return {"reason": form.text("reason")}


Command = Callable[..., CaseView]

#: Each step: how to read its form, and the service's command.
STEPS: dict[str, tuple[Callable[[FormReader], dict[str, Any]], Callable[[CaseService], Command]]] = {
    "assessment": (_assessment, lambda s: s.assess),
    "hearing": (_hearing, lambda s: s.open_hearing),
    "statements": (_statement, lambda s: s.record_statement),
    "talks": (_talk, lambda s: s.hold_talk),
    "warnings": (_warning, lambda s: s.issue_warning),
    "notes": (_note, lambda s: s.add_note),
    "closure": (_closure, lambda s: s.close_case),
    "escalation": (_reason, lambda s: s.escalate),
    "reopening": (_reason, lambda s: s.reopen),
}


def done_message(step: str) -> str:
    return {
        "assessment": _("Vurderingen er registreret."),
        "hearing": _("Partshøringen er registreret."),
        "statements": _("Medarbejderens bemærkninger er registreret."),
        "talks": _("Den tjenstlige samtale er registreret."),
        "warnings": _("Den skriftlige advarsel er registreret."),
        "notes": _("Notatet er tilføjet."),
        "closure": _("Sagen er afsluttet."),
        "escalation": _("Sagen er eskaleret."),
        "reopening": _("Sagen er genåbnet."),
    }[step]


def warning_earliest(case: CaseView) -> date | None:
    """The first day a warning may be issued if nothing else happens: the day after a hearing's deadline."""
    if case.employee_heard or case.hearing is None:
        return None
    return min(h["deadline"] for h in case.hearings) + timedelta(days=1)


def warning_refusal(case: CaseView, kind: str) -> str:
    """Why a warning may not be issued yet, in plain words, and from when it may."""
    if kind == "talk":
        return _("En skriftlig advarsel kræver, at der er holdt en tjenstlig samtale på eller før advarslens dato.")
    earliest = warning_earliest(case)
    text = _("Advarslen kan ikke gives endnu, fordi medarbejderen ikke er blevet hørt (partshøring efter "
             "forvaltningslovens § 19). Registrér medarbejderens bemærkninger, eller vent til fristen for "
             "partshøringen er udløbet.")
    if earliest is not None:
        text += " " + _("Uden bemærkninger kan advarslen tidligst gives den %(date)s.", date=long_date(earliest))
    else:
        text += " " + _("Der er ikke sendt nogen partshøring endnu.")
    return text


def step_context(case: CaseView, user: User, today: date, form: StepForm | None) -> dict[str, Any]:
    """What the case page needs for its step forms."""
    allowed = [step for step in ORDER if step in case.allowed_steps and user.role in STEP_ROLES[Step(step)]]
    return {
        "steps": allowed,
        "form": form or StepForm(step=""),
        "hearing_deadline_today": add_working_days(today, DEFAULT_HEARING_WORKING_DAYS),
        "hearing_working_days": DEFAULT_HEARING_WORKING_DAYS,
        "warning_notice": None if case.employee_heard or "warnings" not in allowed else warning_refusal(case, "heard"),
        "may_erase": "erasure" in case.allowed_steps and user.role in STEP_ROLES[Step.ERASURE],
        "today": today,
    }
