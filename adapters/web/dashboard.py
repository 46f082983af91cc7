"""The anonymised statistics dashboard and its CSV: released months only, the same numbers, never a person."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, render_template
from flask_babel import gettext as _

from adapters.web.blueprint import current_user, web
from adapters.web.charts import bar_chart
from adapters.web.context import case_service
from adapters.web.formatting import CHANNEL, DIMENSION, OUTCOME, STATUS, label
from adapters.web.rules import rule_title
from adapters.web.statistics_source import TALK_AND_WARNING, Cell, Table
from adapters.web.statistics_source import dashboard as released_dashboard


def _value_label(dimension: str, value: str | None) -> str:
    if value is None:
        return _("åbne sager") if dimension == "outcome" else "–"
    if dimension == "rule":
        return f"{value} {rule_title(value)}"
    if dimension == "channel":
        return label(CHANNEL, value)
    if dimension == "outcome":
        return label(OUTCOME, value)
    return value


def _count_text(cell: Cell, k: int) -> str:
    if cell.count is not None:
        return str(cell.count)
    if cell.count_max is not None and cell.count_max < k:
        return _("færre end %(k)d", k=k)
    return _("skjult")


def _rows(table: Table, k: int) -> list[dict[str, Any]]:
    return [{"label": _value_label(table.dimension, cell.value), "count": cell.count,
             "text": _count_text(cell, k)} for cell in table.cells]


def _dashboard() -> dict[str, Any]:
    found = released_dashboard(case_service(), current_user())
    k = found.k
    shown = []
    for table in found.tables:
        rows = _rows(table, k)
        shown.append({
            "dimension": table.dimension, "title": label(DIMENSION, table.dimension), "rows": rows,
            "total": table.total,
            "chart": bar_chart([(row["label"], row["count"], row["text"]) for row in rows]),
        })
    months = [{"month": row.month, "texts": {status: _count_text(row.cells[status], k) for status in TALK_AND_WARNING}}
              for row in found.talks_and_warnings]
    statuses = [(status, label(STATUS, status)) for status in TALK_AND_WARNING]
    return {"k": k, "tables": shown, "releases": found.releases, "months": months, "statuses": statuses}


@web.route("/statistik")
def dashboard() -> Any:
    return render_template("dashboard.html", **_dashboard())


@web.route("/statistik.csv")
def dashboard_csv() -> Response:
    shown = _dashboard()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Opdelt efter"), _("Værdi"), _("Antal sager")])
    for table in shown["tables"]:
        for row in table["rows"]:
            writer.writerow([table["title"], row["label"], row["text"]])
    for status, status_label in shown["statuses"]:
        for month in shown["months"]:
            writer.writerow([_("Måned med status %(status)s", status=status_label), month["month"],
                             month["texts"][status]])
    return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=breachtrail-statistik.csv"})
