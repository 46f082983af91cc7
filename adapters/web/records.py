"""HR's pages about the record itself: erasure, the access log, integrity, retention and printing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import render_template, request
from flask_babel import gettext as _

from adapters.web.blueprint import current_user, roles, web
from adapters.web.context import case_service, settings
from adapters.web.forms import FormReader, service_errors
from domain.errors import InvalidCaseData, StepNotAllowed
from domain.values import Role
from service.errors import ConcurrentModification, VersionMismatch
from service.retention import due_cases


@web.route("/sager/<uuid:case_id>/sletning", methods=["GET", "POST"])
@roles(Role.HR)
def erasure(case_id: UUID) -> Any:
    user = current_user()
    case = case_service().get_case(user, case_id)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    refusal = None
    if request.method == "POST":
        form = FormReader(request.form)
        values = form.values()
        try:
            expected = int(request.form.get("version", ""))
            case_service().erase_personal_data(user, case_id, reason=form.text("reason"), expected_version=expected)
        except ValueError:
            refusal = _("Formularen manglede sagens version. Prøv igen.")
        except InvalidCaseData as error:
            errors = service_errors(error)
        except (VersionMismatch, ConcurrentModification):
            refusal = _("Sagen er blevet ændret i mellemtiden. Kontrollér den igen, før du sletter.")
        except StepNotAllowed:
            refusal = _("Personoplysningerne kan kun slettes i en afsluttet sag, hvor de ikke allerede er slettet.")
        else:
            return render_template("erased.html", case_id=str(case_id))
        case = case_service().get_case(user, case_id)
    status = 422 if errors or refusal else 200
    return render_template("erasure.html", case=case, errors=errors, values=values, refusal=refusal), status


@web.route("/sager/<uuid:case_id>/adgangslog")
@roles(Role.HR)
def access_log(case_id: UUID) -> Any:
    entries = case_service().read_access_log(current_user(), case_id)
    return render_template("access_log.html", case_id=str(case_id), entries=entries)


@web.route("/integritet")
@roles(Role.HR)
def integrity() -> Any:
    result = case_service().verify_integrity(current_user())
    return render_template("integrity.html", result=result)


@web.route("/opbevaring")
@roles(Role.HR)
def retention() -> Any:
    due = due_cases(case_service(), settings().retention)
    return render_template("retention.html", due=due, policy=settings().retention)
