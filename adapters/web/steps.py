"""Taking a step on a case from its page: one POST per step, carrying the case's version.

A step taken by someone else in the meantime makes the service refuse with a version
mismatch; the page then shows the case as it is now, says so, and keeps what was typed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort, request
from flask_babel import gettext as _

from adapters.web.blueprint import CASEWORKERS, current_user, roles, web
from adapters.web.cases import back_to_case, render_case_page
from adapters.web.context import case_service
from adapters.web.formatting import STATUS, label
from adapters.web.forms import FormReader, service_errors
from adapters.web.step_forms import STEPS, StepForm, done_message, warning_refusal
from domain.errors import EmployeeNotHeard, InvalidCaseData, PolicyNotAcknowledged, StepNotAllowed, TalkNotHeld
from service.errors import ConcurrentModification, VersionMismatch


@web.route("/sager/<uuid:case_id>/trin/<step>", methods=["POST"])
@roles(*CASEWORKERS)
def take_step(case_id: UUID, step: str) -> Any:
    if step not in STEPS:
        abort(404)
    read, command = STEPS[step]
    reader = FormReader(request.form, prefix=f"{step}-")
    arguments = read(reader)
    form = StepForm(step=step, values=reader.values(), errors=reader.errors)
    try:
        expected = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    if form.errors:
        return render_case_page(case_id, form=form, status=422)
    service = case_service()
    try:
        command(service)(current_user(), case_id, expected_version=expected, **arguments)
    except InvalidCaseData as error:
        form.errors = service_errors(error, prefix=f"{step}-")
        return render_case_page(case_id, form=form, status=422)
    except PolicyNotAcknowledged as error:
        # A missing answer, not a refused step: the field is asked for beside the others.
        form.errors[f"{step}-unacknowledged_policy_reason"] = _(
            "Skriv, hvorfor advarslen gives, selv om medarbejderen ikke har kvitteret for version "
            "%(version)d af retningslinjerne", version=error.policy.version)
        return render_case_page(case_id, form=form, status=422)
    except (VersionMismatch, ConcurrentModification):
        return render_case_page(case_id, form=form, status=409, conflict=True)
    except StepNotAllowed as error:
        form.refusal = _refusal(case_id, error)
        return render_case_page(case_id, form=form, status=409)
    return back_to_case(case_id, done_message(step))


def _refusal(case_id: UUID, error: StepNotAllowed) -> str:
    if isinstance(error, EmployeeNotHeard | TalkNotHeld):
        case = case_service().get_case(current_user(), case_id)
        return warning_refusal(case, "talk" if isinstance(error, TalkNotHeld) else "heard")
    return _("Trinnet kan ikke tages, mens sagen har status %(status)s.", status=label(STATUS, error.status.value))
