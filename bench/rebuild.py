"""``python -m bench.rebuild``: the projection rebuild against reading the notification log alone.

The full run measures this once, at its largest size (``bench.measures.measure_rebuild``);
this measures only that, on data seeded once and kept in ``--data`` (a SQLite file, and the
PostgreSQL database named by ``--postgres-url``), alternating a raw read of the log and a
rebuild, each on a fresh service (cold caches) and timed by the wall clock in this process.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from statistics import median

import click
import sqlalchemy as sa

from adapters.composition import build_case_service, close_case_service, create_schema
from adapters.config import Settings, generate_master_key, parse_master_key
from bench.measures import measure_rebuild
from bench.seed import seed_cases

DEFAULT_DATA = Path("/tmp/breachtrail-rebuild-bench")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild", description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000, help="cases seeded into an empty database "
                                                                   "(default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="read/rebuild pairs (default %(default)s)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder for the SQLite file and the master key, kept between runs (default %(default)s)")
    parser.add_argument("--postgres-url", help="a PostgreSQL database to seed and rebuild in (left in place)")
    parser.add_argument("--no-sqlite", action="store_true", help="measure on PostgreSQL only")
    parser.add_argument("--batch-size", type=int, default=500, help="events a batch (default %(default)s)")
    return parser.parse_args(argv)


def _settings(url: str, data: Path) -> Settings:
    key_file = data / "master_key"
    if not key_file.exists():
        key_file.write_text(generate_master_key())
    return Settings(database_url=url, master_key=parse_master_key(key_file.read_text().strip()),
                    key_dir=data / "keys", create_tables=False)


def _seeded(settings: Settings, cases: int) -> int:
    """The events in the database, after seeding ``cases`` cases if it had none."""
    create_schema(settings)
    service = build_case_service(settings)
    try:
        if not service.recorder.max_notification_id():
            with click.progressbar(length=cases, label=f"  seeding {cases:,} cases") as bar:
                seed_cases(service, cases, seed=cases, progress=bar.update)
            engine = sa.create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
            engine.dispose()
        return int(service.recorder.max_notification_id() or 0)
    finally:
        close_case_service(service)


def measure(settings: Settings, rounds: int, batch_size: int) -> dict[str, float]:
    reads, rebuilds = [], []
    for _ in range(rounds):
        service = build_case_service(settings)
        try:
            found = measure_rebuild(service, batch_size=batch_size)
        finally:
            close_case_service(service)
        reads.append(found["read_events_per_second"])
        rebuilds.append(found["rebuild_events_per_second"])
        click.echo(f"  read {found['read_events_per_second']:>9,.0f} events/s   rebuild "
                   f"{found['rebuild_events_per_second']:>9,.0f} events/s   "
                   f"{found['rebuild_events_per_second'] / found['read_events_per_second']:.0%}")
    return {"read": median(reads), "rebuild": median(rebuilds)}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    urls = [] if args.no_sqlite else [f"sqlite:///{args.data / 'rebuild.sqlite3'}"]
    if args.postgres_url:
        urls.append(args.postgres_url)
    for url in urls:
        settings = _settings(url, args.data)
        backend = sa.make_url(url).get_backend_name()
        events = _seeded(settings, args.cases)
        click.echo(f"{backend}: {events:,} events")
        found = measure(settings, args.rounds, args.batch_size)
        click.echo(f"{backend}: medians: read {found['read']:,.0f} events/s, rebuild {found['rebuild']:,.0f} "
                   f"events/s, {found['rebuild'] / found['read']:.0%} of reading ({time.strftime('%H:%M')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
