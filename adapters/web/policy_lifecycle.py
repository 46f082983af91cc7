"""HR begins and ends policies: a new policy's first draft, its withdrawal, another policy taking over.

The pages of the API's ``POST /policies``, ``…/withdrawal`` and ``…/supersession``, with the same
authorisation (HR; the service checks again). A policy's end cannot be undone, so withdrawal and
supersession ask first on a confirmation page. Bad input stores nothing and shows the form again
with the design system's error summary, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from adapters.web.blueprint import current_user, roles, web
from adapters.web.context import case_service
from adapters.web.formatting import long_date
from adapters.web.forms import FormReader
from adapters.web.policies import english, found, policies
from adapters.web.policy_steps import policy_errors
from adapters.web.vocabulary import policy_refusal
from domain.errors import InvalidCaseData, PolicyStepNotAllowed
from domain.policy_text import render_policy_text
from domain.validation import TEXT_MAX_LENGTH
from domain.values import Role
from service.policies import PolicyChanged, PolicyExists, PolicyNotFound, PolicyService
from service.users import User

_POLICY = "/retningslinjer/<string(maxlength=64):policy_id>"


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def _versions(user: User) -> list[tuple[str, str]]:
    """Every version of every policy, as ``policy:version`` choices a new draft may be based on."""
    return [(f"{p['id']}:{v['number']}", _("%(id)s, version %(n)s", id=p["id"], n=v["number"]))
            for p in policies().list_policies(user) for v in p["versions"]]


def _basis(choice: str) -> tuple[str, int] | None:
    """``policy:version`` from the list of versions as a policy id and a number; None for none."""
    if not choice:
        return None
    policy_id, version = choice.rsplit(":", 1)
    return policy_id, int(version)


def _day(reader: FormReader, name: str) -> date | None:
    """The form's date, within the days the service accepts for a day ahead (as the API's)."""
    day = reader.date(name)
    if day is None:
        return None
    bounds, today = case_service().date_bounds, policies().today()
    if day < bounds.earliest:
        reader.errors[name] = _("Datoen må ikke ligge før %(date)s", date=long_date(bounds.earliest))
    elif day > bounds.latest(today):
        reader.errors[name] = _("Datoen må ikke ligge efter %(date)s", date=long_date(bounds.latest(today)))
    return day


def _ended(policy: dict[str, Any]) -> str | None:
    """Why the policy cannot be ended again, if it has ended."""
    return None if policy["ended"] is None else _ended_on(policy["ended"]["on"])


def _ended_on(day: date) -> str:
    return _("Retningslinjen er allerede ophørt den %(date)s. Dens historik står, som den er.", date=long_date(day))


@web.route("/ny-retningslinje", methods=["GET", "POST"])
@roles(Role.HR)
def policy_draft() -> Any:
    service, user = policies(), current_user()
    options = _versions(user)
    errors: dict[str, str] = {}
    if request.method == "GET":
        values: dict[str, Any] = {}
        basis = request.args.get("grundlag", "")
        chosen = _basis(basis) if basis in dict(options) else None
        if chosen is not None:
            policy_id, version = chosen
            values = {"based_on": basis, "scope_unit": service.scope_of(policy_id) or "",
                      "text": render_policy_text(service.version_text(user, policy_id, version))}
        return _render("policies/draft.html", options=options, values=values, errors=errors)
    reader = FormReader(request.form)
    values = reader.values()
    text = str(request.form.get("text", "")).replace("\r\n", "\n")
    scope = reader.optional_text("scope_unit")
    basis = reader.text("based_on")
    if not text.strip():
        errors["text"] = _("Skriv retningslinjens tekst")
    if basis and basis not in dict(options):
        errors["based_on"] = _("Vælg en version fra listen, eller ingen")
    if not errors:
        based_on_policy, based_on_version = _basis(basis) or (None, None)
        try:
            answer = service.draft(user, text=text, scope_unit=scope, based_on_policy=based_on_policy,
                                   based_on_version=based_on_version)
        except InvalidCaseData as error:
            errors = policy_errors(error)
            if "scope_unit" in errors:
                errors["scope_unit"] = _("Skriv enhedens kortnavn med små bogstaver, tal og bindestreg, fx tandplejen")
        except PolicyExists as error:
            errors["text"] = _("Der findes allerede en retningslinje med nøglen %(key)s. Skriv en ny version af den, "
                               "eller giv teksten sin egen nøgle.", key=error.key)
        except PolicyNotFound:
            errors["based_on"] = _("Vælg en version fra listen, eller ingen")
        else:
            flash(_("Udkastet til %(id)s er oprettet som version 1.", id=answer["id"]), "success")
            return redirect(url_for("web.policy_page", policy_id=answer["id"]))
    return _render("policies/draft.html", 422, options=options, values=values, errors=errors)


Read = Callable[[FormReader, dict[str, str]], dict[str, Any]]
Store = Callable[[PolicyService, User, dict[str, Any]], Any]


def _end(policy_id: str, kind: str, read: Read, store: Store) -> Any:
    """The form, the confirmation and the stored end of ``kind`` ("withdraw", "supersede")."""
    service, user = policies(), current_user()
    policy = found(lambda: service.get_policy(user, policy_id))
    successors = [(p["id"], f"{p['id']} ({p['title_en'] if english() else p['title_da']})")
                  for p in service.list_policies(user) if p["id"] != policy_id and p["ended"] is None]
    context: dict[str, Any] = {"policy": policy, "kind": kind, "errors": {}, "values": {},
                               "refusal": _ended(policy), "successors": successors}
    form = f"policies/{kind}.html"
    if context["refusal"]:
        return _render(form, 409, **context)
    if request.method == "GET":
        return _render(form, **context)
    reader = FormReader(request.form)
    arguments = read(reader, dict(successors))
    context.update(values=reader.values(), errors=reader.errors, arguments=arguments)
    if reader.errors:
        return _render(form, 422, **context)
    if request.form.get("confirmed") != "yes":
        title = (_("Træk %(id)s tilbage", id=policy_id) if kind == "withdraw"
                 else _("Lad %(by)s afløse %(id)s", by=arguments["by"], id=policy_id))
        return _render("policies/confirm_end.html", title=title, **context)
    try:
        store(service, user, arguments)
    except InvalidCaseData as error:
        context["errors"] = policy_errors(error)
        if "by" in context["errors"]:  # the policy itself, chosen by a hand-made form
            context["errors"]["by"] = _("Vælg den retningslinje, der afløser denne")
        return _render(form, 422, **context)
    except PolicyNotFound:  # the successor named does not exist
        context["errors"] = {"by": _("Vælg den retningslinje, der afløser denne")}
        return _render(form, 422, **context)
    except PolicyStepNotAllowed as error:  # ended meanwhile: the refusal names the day
        context["refusal"] = (_ended_on(error.facts["on"]) if error.code == "ended"
                              else policy_refusal(error.code, error.facts))
        return _render(form, 409, **context)
    except PolicyChanged:
        context["refusal"] = _("Retningslinjen blev ændret af en anden imens; prøv igen.")
        return _render(form, 409, **context)
    flash(_("Retningslinjen er trukket tilbage.") if kind == "withdraw"
          else _("Afløsningen er registreret."), "success")
    return redirect(url_for("web.policy_page", policy_id=policy_id))


def _withdrawal(reader: FormReader, successors: dict[str, str]) -> dict[str, Any]:
    on = _day(reader, "on")
    reason = reader.text("reason").replace("\r\n", "\n")  # as typed, not as the browser sends line ends
    if not reason:
        reader.errors["reason"] = _("Skriv, hvorfor retningslinjen trækkes tilbage")
    elif len(reason) > TEXT_MAX_LENGTH:
        reader.errors["reason"] = _("Begrundelsen må højst være %(n)s tegn", n=TEXT_MAX_LENGTH)
    return {"on": on, "reason": reason}


def _supersession(reader: FormReader, successors: dict[str, str]) -> dict[str, Any]:
    by = reader.choice("by", successors, _("Vælg den retningslinje, der afløser denne"))
    return {"by": reader.text("by") if by is not None else None, "on": _day(reader, "on")}


@web.route(_POLICY + "/tilbagetraekning", methods=["GET", "POST"])
@roles(Role.HR)
def policy_withdraw(policy_id: str) -> Any:
    return _end(policy_id, "withdraw", _withdrawal,
                lambda s, u, a: s.withdraw(u, policy_id, on=a["on"], reason=a["reason"]))


@web.route(_POLICY + "/afloesning", methods=["GET", "POST"])
@roles(Role.HR)
def policy_supersede(policy_id: str) -> Any:
    return _end(policy_id, "supersede", _supersession,
                lambda s, u, a: s.supersede(u, policy_id, by_policy=a["by"], on=a["on"]))
