"""The words of reminders and calendar entries, in Danish and English.

Only kinds of deadline, steps, units, dates and ids are ever put into words here: a
reminder must never carry a name or a free text from a case.
"""

from __future__ import annotations

KINDS = {
    "da": {
        "hearing_deadline": "Høringsfrist (partshøring)",
        "idle": "Intet nyt skridt i sagen",
        "warning_expiry": "Den skriftlige advarsel udløber",
        "retention_due": "Opbevaringsperioden udløber: arkivér og slet",
        "consultation_deadline": "Høringsfrist for politikken: svar mangler",
        "introduction_missing": "Ny medarbejder uden introduktion til politikken",
    },
    "en": {
        "hearing_deadline": "Hearing deadline (partshøring)",
        "idle": "No step taken on the case",
        "warning_expiry": "The written warning expires",
        "retention_due": "Retention period ends: archive and erase",
        "consultation_deadline": "Policy consultation deadline: answers missing",
        "introduction_missing": "New starter without the policy's introduction",
    },
}

STEPS = {
    "da": {
        "assessment": "vurdering", "hearing": "partshøring", "statements": "udtalelse",
        "talks": "tjenstlig samtale", "warnings": "skriftlig advarsel", "escalation": "eskalering",
        "notes": "notat", "closure": "afslutning", "reopening": "genåbning", "erasure": "sletning",
    },
    "en": {
        "assessment": "assessment", "hearing": "hearing", "statements": "statement",
        "talks": "disciplinary talk", "warnings": "written warning", "escalation": "escalation",
        "notes": "note", "closure": "closure", "reopening": "reopening", "erasure": "erasure",
    },
}

TEXT = {
    "da": {
        "case": "Sag", "policy": "Politik", "employee": "Medarbejder", "unit": "enhed",
        "due": "frist", "overdue": "overskredet", "next": "Næste skridt",
        "greeting": "Hej,",
        "intro": "Disse frister er nået eller overskredet siden din sidste påmindelse:",
        "footer": "Du får denne påmindelse fra breachtrail, fordi du er leder af enheden eller arbejder i HR. "
                  "Mailen indeholder ingen personoplysninger: åbn sagen for at se den.",
        "subject_one": "breachtrail: 1 frist kræver handling",
        "subject_many": "breachtrail: {n} frister kræver handling",
        "calendar": "breachtrail – frister",
    },
    "en": {
        "case": "Case", "policy": "Policy", "employee": "Employee", "unit": "unit",
        "due": "due", "overdue": "overdue", "next": "Next step",
        "greeting": "Hello,",
        "intro": "These deadlines have been reached or passed since your last reminder:",
        "footer": "You get this reminder from breachtrail because you lead the unit or work in HR. "
                  "It holds no personal data: open the case to see it.",
        "subject_one": "breachtrail: 1 deadline needs attention",
        "subject_many": "breachtrail: {n} deadlines need attention",
        "calendar": "breachtrail – deadlines",
    },
}

#: Where the web application shows each kind of subject.
_PATHS = {"case": "/cases/", "policy": "/policies/", "employee": "/staff/"}


def language_of(language: str) -> str:
    return language if language in TEXT else "da"


def kind_label(kind: str, language: str) -> str:
    return KINDS[language_of(language)].get(kind, kind)


def step_label(step: str | None, language: str) -> str | None:
    return None if step is None else STEPS[language_of(language)].get(step, step)


def text(name: str, language: str) -> str:
    return TEXT[language_of(language)][name]


def subject_link(public_url: str, subject: str, subject_id: str) -> str:
    """The page of the subject in the web application."""
    return f"{public_url.rstrip('/')}{_PATHS.get(subject, '/')}{subject_id}"
