"""HR releases statistics: every ended month up to the latest one that may be released today.

A release is final and public to every role that reads statistics, so the page says which
month it will release through and lists every release made, by whom and when.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from adapters.web import statistics_source
from adapters.web.blueprint import current_user, roles, web
from adapters.web.context import case_service
from domain.errors import InvalidCaseData
from domain.values import Role
from service.statistics_use_cases import StatisticsNotReady

logger = logging.getLogger(__name__)


@web.route("/statistik/udgivelser", methods=["GET", "POST"])
@roles(Role.HR)
def statistics_releases() -> Any:
    service = case_service()
    through = statistics_source.last_releasable_month(service)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.form.get("through") != through:
            errors["through"] = _("Den seneste måned, der kan udgives, er nu %(month)s. Prøv igen.", month=through)
        else:
            try:
                done = statistics_source.release_through(service, current_user(), through)
            except StatisticsNotReady:
                errors["through"] = _("Statistikken er ikke helt opdateret endnu. Prøv igen om lidt.")
            except InvalidCaseData as error:
                errors["through"] = "; ".join(m for messages in error.errors.values() for m in messages)
            else:
                made = [record.period for record, new in done if new]
                logger.info("%s released statistics through %s: %s", current_user().id, through, made)
                if made:
                    flash(_("Udgivet: %(months)s.", months=", ".join(made)), "success")
                else:
                    flash(_("Der var ingen nye måneder at udgive til og med %(month)s.", month=through), "info")
                return redirect(url_for("web.statistics_releases"))
    records = statistics_source.releases(service, current_user())
    return render_template("statistics_releases.html", through=through, records=records, errors=errors), (
        422 if errors else 200)
