"""``python -m bench [--quick]``: measure breachtrail against its baselines; see docs/PERFORMANCE.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.databases import DEFAULT_POSTGRES_URL, fresh_database, postgres_available
from bench.measures import QUICK, Plan, measure_scaling, measure_writes
from bench.report import chart, rows_for, table
from bench.servers import ROOT
from bench.statements import count_statements

RESULTS = ROOT / "bench" / "results"
CHART = ROOT / "docs" / "performance-scaling.png"
QUICK_CHART = RESULTS / "quick-scaling.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data and short loads (under two minutes)")
    parser.add_argument("--backends", default="postgres,sqlite", help="comma-separated: postgres, sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="an administrative URL; the run creates and drops its own databases there")
    parser.add_argument("--only", choices=["writes", "scaling"], help="run one half only")
    parser.add_argument("--chart", type=Path, help=f"where the PNG goes (default {CHART.relative_to(ROOT)}, "
                                                   f"or {QUICK_CHART.relative_to(ROOT)} with --quick)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)

    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "plan": "quick" if args.quick else "full",
        "settings": vars(plan),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "backends": {},
    }
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for backend in backends:
        if backend == "postgres" and (why := postgres_available(args.postgres_url)):
            say(f"postgres: skipped, it does not answer at {args.postgres_url}: {why}")
            continue
        found: dict[str, Any] = {}
        results["backends"][backend] = found

        def say_for(message: str, backend: str = backend) -> None:
            say(f"{backend}: {message}")

        if args.only in (None, "writes"):
            say(f"{backend}: statements per command")
            with fresh_database(backend, "breachtrail_bench_statements", postgres_admin_url=args.postgres_url) as url:
                found["statements"] = count_statements(url)
            say(f"{backend}: writes")
            with fresh_database(backend, "breachtrail_bench_writes", postgres_admin_url=args.postgres_url) as url:
                found["writes"] = measure_writes(url, plan, say_for)
        if args.only in (None, "scaling"):
            say(f"{backend}: reads as the data grows ({', '.join(f'{s:,}' for s in plan.scales)} cases)")
            with fresh_database(backend, "breachtrail_bench", postgres_admin_url=args.postgres_url) as url:
                found["scaling"] = measure_scaling(url, plan, say_for)
    rows = [row for b, r in results["backends"].items() for row in rows_for(b, r.get("writes"), r.get("scaling"),
                                                                             r.get("statements"))]
    results["table"] = [row.as_dict() for row in rows]
    results["seconds"] = time.monotonic() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    output = RESULTS / (f"{stamp}-quick.json" if args.quick else f"{stamp}.json")
    output.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(rows))
    print()
    say(f"results in {output.relative_to(ROOT)}")
    chart_path = args.chart or (QUICK_CHART if args.quick else CHART)
    try:
        chart(results, chart_path)
        say(f"chart in {chart_path}")
    except ImportError:
        say("no chart: matplotlib is missing (pip install -e '.[bench]')")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
