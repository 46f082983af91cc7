"""The table of targets, the JSON record of a run, and the chart of cost against data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Row:
    backend: str
    measure: str
    value: float
    baseline_name: str
    baseline: float
    unit: str
    ratio: float
    target: str
    met: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def _median_ms(load: dict[str, Any]) -> float:
    return float(load["latency_ms"]["median"])


def rows_for(backend: str, writes: dict[str, Any] | None, scaling: dict[str, Any] | None,
             statements: dict[str, int] | None = None) -> list[Row]:
    """The issue's table for one backend, each figure a ratio to its baseline of the same run."""
    rows: list[Row] = []

    def add(measure: str, value: float, baseline_name: str, baseline: float, unit: str, higher_is_better: bool,
            bound: float) -> None:
        ratio = value / baseline if baseline else math.nan
        met = ratio >= bound if higher_is_better else ratio <= bound
        target = f"≥ {bound:.0%}" if higher_is_better else f"≤ {bound:g}×"
        rows.append(Row(backend, measure, value, baseline_name, baseline, unit, ratio, target, met))

    for command, count in (statements or {}).items():
        # Against the bare endpoint's one INSERT; the target is 5 statements per command.
        add(f"SQL statements: {command}", count, "bare Flask INSERT endpoint", 1, "statements", False, 5)
    if writes is not None:
        add("POST /cases requests/s", writes["post_cases_ok_per_second"], "bare Flask INSERT endpoint",
            writes["baseline_ok_per_second"], "req/s", True, 0.60)
    if scaling is not None:
        scales = sorted(scaling["scales"], key=int)
        small, large = scaling["scales"][scales[0]], scaling["scales"][scales[-1]]
        n_large = f"{int(scales[-1]):,}"
        one = _median_ms(large["case_1_event"])
        add(f"GET /cases/<id>, 1,000 notes ({n_large} cases)", _median_ms(large["case_1000_notes"]),
            "case with 1 event", one, "ms", False, 2)
        add(f"GET /cases/<id>, 1,000 re-assessments ({n_large} cases)", _median_ms(large["case_1000_assessments"]),
            "case with 1 event", one, "ms", False, 2)
        add(f"GET /statistics at {n_large} cases", _median_ms(large["statistics"]), "bare authenticated GET",
            _median_ms(large["bare_get"]), "ms", False, 3)
        add(f"GET /cases?status= at {n_large} cases", _median_ms(large["list_by_status"]),
            f"same at {int(scales[0]):,} cases", _median_ms(small["list_by_status"]), "ms", False, 2)
        rebuild = scaling["rebuild"]
        add(f"projection rebuild events/s ({rebuild['events']:,} events)", rebuild["rebuild_events_per_second"],
            "reading the notification log alone", rebuild["read_events_per_second"], "events/s", True, 0.50)
        add(f"peak RSS of a worker at {n_large} cases", max(large["worker_peak_rss_kib"]) / 1024,
            f"same at {int(scales[0]):,} cases", max(small["worker_peak_rss_kib"]) / 1024, "MiB", False, 1.3)
    if writes is not None:
        check = writes["acknowledged_check"]
        lost = float(check["lost"])
        rows.append(Row(backend, "acknowledged writes lost at saturation", lost, "acknowledged writes",
                        float(check["cases"] + check["notes"]), "writes", lost, "0", lost == 0 and check["chain_ok"]))
    return rows


def _figure(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:,.0f} {unit}"


def table(rows: list[Row]) -> str:
    """A Markdown table: measure, value, baseline, ratio, target, met."""
    lines = ["| backend | measure | value | baseline | ratio | target | met |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        if row.measure.startswith("acknowledged"):
            value, base, ratio = f"{row.value:.0f}", f"of {row.baseline:,.0f} {row.baseline_name}", "—"
        else:
            value = _figure(row.value, row.unit)
            base = f"{row.baseline_name}: {_figure(row.baseline, row.unit)}"
            ratio = f"{row.ratio:.0%}" if row.target.startswith("≥") else f"{row.ratio:.2f}×"
        lines.append(f"| {row.backend} | {row.measure} | {value} | {base} | {ratio} | {row.target} | "
                     f"{'yes' if row.met else '**no**'} |")
    return "\n".join(lines)


CHART_SERIES = (
    ("list_by_status", "GET /cases?status= (page)"),
    ("statistics", "GET /statistics"),
    ("case_1000_notes", "GET /cases/<id>, 1,000 notes"),
    ("bare_get", "bare authenticated GET"),
)


def chart(results: dict[str, Any], path: Path) -> None:
    """Cost at each data size divided by the cost at the smallest, per backend (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    backends = [b for b, r in results["backends"].items() if r.get("scaling")]
    figure, axes = plt.subplots(1, max(len(backends), 1), figsize=(6 * max(len(backends), 1), 4.2), squeeze=False)
    for axis, backend in zip(axes[0], backends, strict=False):
        scaling = results["backends"][backend]["scaling"]
        scales = sorted(scaling["scales"], key=int)
        xs = [int(s) for s in scales]
        for key, label in CHART_SERIES:
            values = [_median_ms(scaling["scales"][s][key]) for s in scales]
            axis.plot(xs, [v / values[0] for v in values], marker="o", label=label)
        rss = [max(scaling["scales"][s]["worker_peak_rss_kib"]) for s in scales]
        axis.plot(xs, [v / rss[0] for v in rss], marker="s", linestyle="--", label="peak RSS of a worker")
        axis.axhline(2, color="grey", linewidth=0.8, linestyle=":")
        axis.set_xscale("log")
        axis.set_xlabel("cases stored")
        axis.set_ylabel(f"cost ÷ cost at {xs[0]:,} cases")
        axis.set_title(f"{backend}: how cost grows with data")
        axis.set_xticks(xs, [f"{x:,}" for x in xs])
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"breachtrail, {results['started'][:10]} ({results['plan']})", fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
