"""HR takes a policy through its steps: a new version, consultation, responses, approval, force, adaptations.

One form per step; each POST appends one event through the policy service or, on bad input or a
step the policy's state forbids, stores nothing and shows the form again with the design
system's error summary. Bringing a version into force cannot be undone: it asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapters.web.blueprint import current_user, roles, web
from adapters.web.forms import FormReader, service_errors
from adapters.web.policies import POSITION, found, policies
from adapters.web.vocabulary import policy_refusal
from domain.errors import InvalidCaseData, PolicyStepNotAllowed
from domain.policy_records import Position
from domain.policy_text import render_policy_text
from domain.values import Role
from service.policies import PolicyChanged

_POLICY = "/retningslinjer/<string(maxlength=64):policy_id>"
_VERSION = _POLICY + "/versioner/<int(min=1,max=2147483647):version>"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text, date, lines, textarea, position, choice
    label: Any
    hint: Any = None
    optional: bool = False


@dataclass(frozen=True)
class Step:
    title: Any
    button: Any
    done: Any
    fields: tuple[Field, ...]
    call: Callable[..., Any]


def _date(name: str, label: Any, optional: bool = False, hint: Any = None) -> Field:
    return Field(name, "date", label, hint or _l("Fx 2026-12-02"), optional)


STEPS: dict[str, Step] = {
    "hoering": Step(
        _l("Send version %(n)s i høring"), _l("Send i høring"), _l("Versionen er sendt i høring."),
        (Field("bodies", "lines", _l("Høringsparter"), _l("Én pr. linje, fx LMU tandplejen")),
         _date("deadline", _l("Høringsfrist")),
         _date("sent_on", _l("Sendt"), optional=True, hint=_l("Tom: i dag"))),
        lambda s, u, p, v, a: s.send_to_consultation(u, p, v, **a)),
    "svar": Step(
        _l("Registrér et høringssvar til version %(n)s"), _l("Registrér svaret"), _l("Høringssvaret er registreret."),
        (Field("body", "choice", _l("Høringspart")), _date("received_on", _l("Modtaget")),
         Field("position", "position", _l("Holdning")),
         Field("summary", "textarea", _l("Resumé af svaret"))),
        lambda s, u, p, v, a: s.record_response(u, p, v, **a)),
    "afslut-hoering": Step(
        _l("Afslut høringen af version %(n)s"), _l("Afslut høringen"), _l("Høringen er afsluttet."),
        (_date("closed_on", _l("Afsluttet"), optional=True, hint=_l("Tom: i dag")),),
        lambda s, u, p, v, a: s.close_consultation(u, p, v, **a)),
    "godkendelse": Step(
        _l("Registrér godkendelsen af version %(n)s"), _l("Registrér godkendelsen"), _l("Godkendelsen er registreret."),
        (Field("body", "text", _l("Godkendt af"), _l("Fx MED Børne- og Familieområdet")),
         _date("meeting_on", _l("Mødedato")),
         Field("reference", "text", _l("Reference"), _l("Fx dagsordenspunkt eller journalnummer"))),
        lambda s, u, p, v, a: s.approve(u, p, v, **a)),
    "ikrafttraeden": Step(
        _l("Sæt version %(n)s i kraft"), _l("Fortsæt"), _l("Versionen er sat i kraft."),
        (_date("in_force_from", _l("I kraft fra")),),
        lambda s, u, p, v, a: s.bring_into_force(u, p, v, **a)),
    "tilpasning": Step(
        _l("Registrér en enheds tilpasning af version %(n)s"), _l("Registrér tilpasningen"),
        _l("Tilpasningen er registreret."),
        (Field("unit", "text", _l("Enhed"), _l("Enhedens kortnavn, fx tandplejen")),
         Field("text", "policy", _l("Enhedens tekst"), _l("Hele teksten i retningslinjens format; den må tilføje "
                                                         "eller omformulere regler, ikke fjerne dem")),
         Field("body", "text", _l("Godkendt af"), _l("Fx LMU tandplejen")), _date("meeting_on", _l("Mødedato")),
         Field("reference", "text", _l("Reference")), _date("in_force_from", _l("I kraft fra"))),
        lambda s, u, p, v, a: s.adapt_for_unit(u, p, v, **a)),
}


def _read(step: Step, reader: FormReader) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in step.fields:
        if f.kind == "date":
            day = reader.date(f.name, required=not f.optional)
            if day is not None or not f.optional:
                values[f.name] = day
        elif f.kind == "lines":
            values[f.name] = reader.lines(f.name)
        elif f.kind == "position":
            values[f.name] = reader.choice(f.name, {p.value: p for p in Position}, _("Vælg høringspartens holdning"))
        elif f.kind == "policy":
            values[f.name] = str(reader.form.get(f.name, "")).replace("\r\n", "\n")
        else:
            values[f.name] = reader.text(f.name)
    return values


def policy_errors(error: InvalidCaseData) -> dict[str, str]:
    """The domain's refusal of a policy's fields as form errors; a text's names the format."""
    errors = service_errors(error)
    if "text" in errors:
        errors["text"] = _("Teksten følger ikke retningslinjens format: %(problem)s", problem=errors["text"])
    return errors


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


@web.route(_VERSION + "/<step>", methods=["GET", "POST"])
@roles(Role.HR)
def policy_step(policy_id: str, version: int, step: str) -> Any:
    if step not in STEPS:
        abort(404)
    definition = STEPS[step]
    service = policies()
    policy = found(lambda: service.get_policy(current_user(), policy_id))
    record = next((v for v in policy["versions"] if v["number"] == version), None)
    if record is None:
        abort(404)
    context: dict[str, Any] = {
        "policy": policy, "record": record, "step": step, "definition": definition, "errors": {},
        "values": {}, "refusal": None, "title": str(definition.title) % {"n": version},
        "position_options": [(k, str(t)) for k, t in POSITION.items()],
        "body_options": (record["consultation"] or {}).get("awaiting", []),
    }
    if request.method == "GET":
        return _render("policies/step.html", **context)
    reader = FormReader(request.form)
    arguments = _read(definition, reader)
    context.update(values=reader.values(), errors=reader.errors)
    if reader.errors:
        return _render("policies/step.html", 422, **context)
    if step == "ikrafttraeden" and request.form.get("confirmed") != "yes":
        return _render("policies/confirm_force.html", arguments=arguments, **context)
    try:
        definition.call(service, current_user(), policy_id, version, arguments)
    except InvalidCaseData as error:
        context["errors"] = policy_errors(error)
        return _render("policies/step.html", 422, **context)
    except PolicyStepNotAllowed as error:
        context["refusal"] = policy_refusal(error.code, error.facts)
        return _render("policies/step.html", 409, **context)
    except PolicyChanged:
        context["refusal"] = _("Retningslinjen blev ændret af en anden imens; prøv igen.")
        return _render("policies/step.html", 409, **context)
    flash(str(definition.done), "success")
    return redirect(url_for("web.policy_page", policy_id=policy_id, _anchor=f"version-{version}"))


@web.route(_POLICY + "/ny-version", methods=["GET", "POST"])
@roles(Role.HR)
def policy_revise(policy_id: str) -> Any:
    service = policies()
    policy = found(lambda: service.get_policy(current_user(), policy_id))
    latest = policy["latest_version"]
    errors: dict[str, str] = {}
    refusal = None
    if request.method == "POST":
        text = str(request.form.get("text", "")).replace("\r\n", "\n")
        try:
            answer = service.revise(current_user(), policy_id, text=text)
        except InvalidCaseData as error:
            errors = policy_errors(error)
        except PolicyStepNotAllowed as error:
            refusal = policy_refusal(error.code, error.facts)
        else:
            number = answer["latest_version"]
            flash(_("Version %(n)s er gemt som udkast.", n=number), "success")
            return redirect(url_for("web.policy_page", policy_id=policy_id, _anchor=f"version-{number}"))
    else:
        text = render_policy_text(service.version_text(current_user(), policy_id, latest))
    status = 422 if errors else 409 if refusal else 200
    return _render("policies/revise.html", status, policy=policy, latest=latest, values={"text": text},
                   errors=errors, refusal=refusal)
