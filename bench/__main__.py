"""``python -m bench [--quick]``: measure breachtrail against its baselines; see docs/PERFORMANCE.md."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.databases import DEFAULT_POSTGRES_URL, fresh_database, postgres_available
from bench.day import measure_workday
from bench.measures import QUICK, Plan, measure_scaling, measure_writes
from bench.report import chart, rows_for, table, workday_chart, workday_table
from bench.servers import ROOT
from bench.statements import count_statements

RESULTS = ROOT / "bench" / "results"
CHART = ROOT / "docs" / "performance-scaling.png"
QUICK_CHART = RESULTS / "quick-scaling.png"
LOAD_CHART = ROOT / "docs" / "performance-load.png"
QUICK_LOAD_CHART = RESULTS / "quick-load.png"
PARTS = ("writes", "scaling", "load")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data and short loads (under two minutes)")
    parser.add_argument("--backends", default="postgres,sqlite", help="comma-separated: postgres, sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="an administrative URL; the run creates and drops its own databases there")
    parser.add_argument("--database-prefix", default="breachtrail_bench",
                        help="the run's PostgreSQL databases are PREFIX_statements, PREFIX_writes, PREFIX and "
                             "PREFIX_day (default %(default)s)")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="run this part only (repeatable): writes (statements, POST /cases, saturation), "
                             "scaling (reads and pages as the data grows, rebuild), load (the working day)")
    parser.add_argument("--day-seconds", type=float, help="how long the working day lasts (default: the plan's)")
    parser.add_argument("--day-cases", type=int, help="cases stored for the working day when it runs on its own")
    parser.add_argument("--chart", type=Path, help=f"where the PNG goes (default {CHART.relative_to(ROOT)}, "
                                                   f"or {QUICK_CHART.relative_to(ROOT)} with --quick)")
    parser.add_argument("--load-chart", type=Path, help=f"the working day's PNG (default "
                                                        f"{LOAD_CHART.relative_to(ROOT)}, or "
                                                        f"{QUICK_LOAD_CHART.relative_to(ROOT)} with --quick)")
    parser.add_argument("--output", type=Path, help="the results JSON (default bench/results/<date>[-quick].json)")
    parser.add_argument("--one-after-the-other", action="store_true",
                        help="with --quick: measure the backends in turn, not side by side")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    plan = QUICK if args.quick else Plan()
    if args.day_seconds is not None:
        plan = dataclasses.replace(plan, day_seconds=args.day_seconds)
    if args.day_cases is not None:
        plan = dataclasses.replace(plan, day_cases=args.day_cases)
    parts = set(args.only or PARTS)
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)

    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "plan": "quick" if args.quick else "full",
        "settings": vars(plan),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average": os.getloadavg()},
        "backends": {},
    }
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.quick and not args.one_after_the_other and not args.measure_only and len(backends) > 1:
        results["backends"] = _side_by_side(backends, argv)
    else:
        for backend in backends:
            if backend == "postgres" and (why := postgres_available(args.postgres_url)):
                say(f"postgres: skipped, it does not answer at {args.postgres_url}: {why}")
                continue
            found: dict[str, Any] = {}
            results["backends"][backend] = found
            _measure(backend, parts, plan, args, found, say)
    results["seconds"] = time.monotonic() - started
    results["machine"]["load_average_after"] = os.getloadavg()
    if args.measure_only:
        args.output.write_text(json.dumps(results, indent=2) + "\n")
        return 0
    _report(results, args)
    return 0


def _side_by_side(backends: list[str], argv: list[str] | None) -> dict[str, Any]:
    """The quick run measures each backend in a process of its own, at the same time.

    A quick run shows that everything runs and where the ratios point; most of its time is fixed cost
    (servers starting, seeding, checking the chain) that the two cores can share. Each ratio is still
    taken within one backend's process, baseline and breachtrail alternating, so both sides of it
    see the same machine. ``--one-after-the-other`` measures them in turn, as the full run does.
    """
    given = list(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="bench-quick-") as folder:
        outputs = {backend: Path(folder) / f"{backend}.json" for backend in backends}
        children = [subprocess.Popen([sys.executable, "-m", "bench", *given, "--backends", backend,
                                      "--measure-only", "--output", str(outputs[backend])])
                    for backend in backends]
        failed = [backend for backend, child in zip(backends, children, strict=True) if child.wait() != 0]
        if failed:
            raise SystemExit(f"the quick run failed on {', '.join(failed)}")
        found: dict[str, Any] = {}
        for backend in backends:
            found.update(json.loads(outputs[backend].read_text())["backends"])
        return found


def _measure(backend: str, parts: set[str], plan: Plan, args: argparse.Namespace, found: dict[str, Any],
             say: Any) -> None:
    def say_for(message: str) -> None:
        say(f"{backend}: {message}")

    def database(suffix: str) -> Any:
        return fresh_database(backend, args.database_prefix + suffix, postgres_admin_url=args.postgres_url)

    # The working day runs against PostgreSQL, as deployed: two app servers and one projection worker.
    day = "load" in parts and backend == "postgres"
    if "load" in parts and not day:
        say_for("no working day: it runs on PostgreSQL only")
    if "writes" in parts:
        say_for("statements per command")
        with database("_statements") as url:
            found["statements"] = count_statements(url)
        say_for("writes")
        with database("_writes") as url:
            found["writes"] = measure_writes(url, plan, say_for)
    if "scaling" in parts:
        say_for(f"reads as the data grows ({', '.join(f'{s:,}' for s in plan.scales)} cases)")
        with database("") as url:
            found["scaling"] = measure_scaling(url, plan, say_for)
            if day and plan.scales[-1] == plan.day_cases:
                # The day's data is already stored (the largest size): it works on it instead of seeding again.
                # (A quick day has fewer cases than the largest quick size: a small database of its own
                # is quicker to seed than the bigger one's chain is to verify afterwards.)
                found["workday"] = measure_workday(url, plan, say_for, cases_stored=plan.scales[-1] + 3)
                day = False
    if day:
        with database("_day") as url:
            found["workday"] = measure_workday(url, plan, say_for)


def _report(results: dict[str, Any], args: argparse.Namespace) -> None:
    rows = [row for b, r in results["backends"].items()
            for row in rows_for(b, r.get("writes"), r.get("scaling"), r.get("statements"), r.get("workday"))]
    results["table"] = [row.as_dict() for row in rows]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    output = args.output or RESULTS / (f"{stamp}-quick.json" if args.quick else f"{stamp}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(rows))
    for backend, found in results["backends"].items():
        if found.get("workday"):
            print()
            print(workday_table(backend, found["workday"]))
    print()
    print(f"results in {_shown(output)} ({results['seconds']:.0f} s)")
    for draw, path, default, quick_default in ((chart, args.chart, CHART, QUICK_CHART),
                                               (workday_chart, args.load_chart, LOAD_CHART, QUICK_LOAD_CHART)):
        target = path or (quick_default if args.quick else default)
        try:
            if draw(results, target):
                print(f"chart in {_shown(target)}")
        except ImportError:
            print("no chart: matplotlib is missing (pip install -e '.[bench]')")
            break


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    raise SystemExit(main())
