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


WEB_PAGES = (
    ("page_case_list", "case list /sager"),
    ("page_case_1_event", "case /sager/<id>"),
    ("page_case_1000_notes", "case with 1,000 notes"),
)


def _median_ms(load: dict[str, Any]) -> float:
    return float(load["latency_ms"]["median"])


def rows_for(backend: str, writes: dict[str, Any] | None, scaling: dict[str, Any] | None,
             statements: dict[str, int] | None = None, workday: dict[str, Any] | None = None) -> list[Row]:
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
            writes["baseline_ok_per_second"], "req/s", True, 0.50)
        if "eventsourcing_ok_per_second" in writes:
            add("POST /cases requests/s", writes["post_cases_ok_per_second"], "bare eventsourcing Application",
                writes["eventsourcing_ok_per_second"], "req/s", True, 0.80)
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
        bare = _median_ms(large["bare_get"])
        for key, name in WEB_PAGES:
            if key in large:
                add(f"web page: {name} ({n_large} cases)", _median_ms(large[key]), "bare authenticated GET", bare,
                    "ms", False, 3)
        add(f"GET /cases?status= at {n_large} cases", _median_ms(large["list_by_status"]),
            f"same at {int(scales[0]):,} cases", _median_ms(small["list_by_status"]), "ms", False, 2)
        rebuild = scaling["rebuild"]
        add(f"projection rebuild events/s ({rebuild['events']:,} events)", rebuild["rebuild_events_per_second"],
            "reading the notification log alone", rebuild["read_events_per_second"], "events/s", True, 0.50)
        add(f"peak RSS of a worker at {n_large} cases", max(large["worker_peak_rss_kib"]) / 1024,
            f"same at {int(scales[0]):,} cases", max(small["worker_peak_rss_kib"]) / 1024, "MiB", False, 1.3)
    if writes is not None:
        rows.append(_lost(backend, "acknowledged writes lost at saturation", writes["acknowledged_check"]))
    if workday is not None:
        failed = float(workday["failed"])
        rows.append(Row(backend, f"working day: failed requests ({workday['people']} people, "
                                 f"{workday['cases']:,} cases)", failed, "requests", float(workday["requests"]),
                        "requests", failed, "0", failed == 0 and not workday.get("still_running")))
        rows.append(_lost(backend, "working day: acknowledged writes lost", workday["acknowledged_check"]))
    return rows


def _lost(backend: str, measure: str, check: dict[str, Any]) -> Row:
    lost = float(check["lost"])
    steps = check.get("steps", check.get("notes", 0))  # older results called every step a note
    return Row(backend, measure, lost, "acknowledged writes", float(check["cases"] + steps), "writes", lost, "0",
               lost == 0 and check["chain_ok"])


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
        if row.target == "0":
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


def chart(results: dict[str, Any], path: Path) -> bool:
    """Cost at each data size over the cost at the smallest, per backend (needs matplotlib); False: nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    backends = [b for b, r in results["backends"].items() if r.get("scaling")]
    if not backends:
        return False
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
    return True


FAILURES_SHOWN = 20


def workday_table(backend: str, workday: dict[str, Any]) -> str:
    """The working day by route: how many, p50/p95/p99, and every answer that was not expected."""
    lines = [f"Working day on {backend}: {workday['people']} people ({_roles(workday)}), {workday['cases']:,} cases, "
             f"{workday['seconds']:.0f} s, {workday['requests']:,} requests ({workday['requests_per_second']:.1f}/s), "
             f"{workday['failed']} failed",
             "",
             "| route | requests | p50 | p95 | p99 | statuses |",
             "| --- | --- | --- | --- | --- | --- |"]
    for route, found in workday["routes"].items():
        timings = " | ".join(f"{found[key]:.1f} ms" if key in found else "—" for key in ("p50_ms", "p95_ms", "p99_ms"))
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(found["statuses"].items()))
        lines.append(f"| {route} | {found['count']:,} | {timings} | {statuses} |")
    if workday["all"]:
        every = workday["all"]
        lines.append(f"| every request | {workday['requests']:,} | {every['p50_ms']:.1f} ms | "
                     f"{every['p95_ms']:.1f} ms | {every['p99_ms']:.1f} ms | |")
    shown = workday["failures"][:FAILURES_SHOWN]
    lines += [f"- failed: {failure}" for failure in shown]
    if workday["failed"] > len(shown):
        lines.append(f"- … and {workday['failed'] - len(shown)} more (the first {len(workday['failures'])} are in the "
                     "results JSON)")
    return "\n".join(lines)


def _roles(workday: dict[str, Any]) -> str:
    return ", ".join(f"{count} {role}" for role, count in workday.get("roles", {}).items())


def workday_chart(results: dict[str, Any], path: Path) -> bool:
    """p50, p95 and p99 of each route in the working day, one panel per backend (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    backends = [b for b, r in results["backends"].items() if r.get("workday")]
    if not backends:
        return False
    routes_max = max(len(results["backends"][b]["workday"]["routes"]) for b in backends)
    figure, axes = plt.subplots(1, len(backends), figsize=(9 * len(backends), 0.38 * routes_max + 1.8),
                                squeeze=False)
    for axis, backend in zip(axes[0], backends, strict=False):
        workday = results["backends"][backend]["workday"]
        routes = [route for route, found in workday["routes"].items() if "p50_ms" in found]
        ys = range(len(routes))
        for offset, (key, label) in enumerate((("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99"))):
            axis.barh([y + (offset - 1) * 0.27 for y in ys], [workday["routes"][r][key] for r in routes],
                      height=0.27, label=label)
        axis.set_yticks(list(ys), routes, fontsize=8)
        axis.invert_yaxis()
        axis.set_xscale("log")
        axis.set_xlabel("latency (ms, log scale)")
        axis.set_title(f"{backend}: working day, {workday['people']} people, {workday['cases']:,} cases, "
                       f"{workday['seconds']:.0f} s, {workday['failed']} failed", fontsize=9)
        axis.grid(True, axis="x", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"breachtrail, {results['started'][:10]} ({results['plan']}): 2 app servers, 1 projection worker",
                    fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
