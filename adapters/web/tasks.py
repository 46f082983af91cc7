""""Mine opgaver": a manager's and HR's deadlines, overdue first, and for HR the reminder runs.

The deadlines are the service's (``CaseService.deadlines``), the same derivation as the case
list's "overdue" filter and the reminder mails, so the page, the list and the mail agree.
Reminder mails link to ``/cases/<id>``; that path leads here to the case page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from adapters.http.context import reminders
from adapters.web.blueprint import CASEWORKERS, current_user, roles, web
from adapters.web.context import case_service
from domain.values import Role


@web.route("/opgaver")
@roles(*CASEWORKERS)
def tasks() -> Any:
    user = current_user()
    items = case_service().deadlines(user)
    runs = reminders().runs(user, limit=5) if user.role is Role.HR else None
    return render_template("tasks.html", items=items, runs=runs, overdue=sum(1 for i in items if i.overdue))


@web.route("/cases/<uuid:case_id>")
def mail_case_link(case_id: UUID) -> Response:
    """Where a reminder mail's link lands: the case page (which checks access as always)."""
    return redirect(url_for("web.case_page", case_id=case_id), code=301)
