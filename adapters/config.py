"""Configuration from the environment, and how it becomes the service's storage settings."""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from domain.values import is_unit_slug
from service.cases import DEFAULT_SNAPSHOT_INTERVAL
from service.retention import InvalidRetentionPolicy, RetentionPolicy
from service.statistics import DEFAULT_K, MINIMUM_K

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///var/breachtrail.sqlite3"
DEFAULT_MASTER_KEY_FILE = Path("var/master.key")
MASTER_KEY_BYTES = 32


class ConfigurationError(ValueError):
    """A setting that cannot work; raised at start-up, never mid-request."""


@dataclass(frozen=True)
class Settings:
    """Everything an installation may configure. Read once, at start-up."""

    database_url: str = DEFAULT_DATABASE_URL
    known_units: frozenset[str] | None = None
    snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL
    aggregate_cache_size: int = 500
    statistics_k: int = DEFAULT_K
    # Write the read side with the events (no lag). Off: `breachtrail projections run` does it.
    inline_projections: bool = True
    master_key: bytes | None = None  # None: the key file below, made on first use
    master_key_file: Path = DEFAULT_MASTER_KEY_FILE
    create_tables: bool = True
    # How long closed cases keep their personal data; see service.retention.DEFAULT_RETENTION.
    retention: RetentionPolicy = field(default_factory=RetentionPolicy.default)
    # /readyz answers 503 while the read side is more events than this behind the log.
    ready_max_lag: int = 1000
    # Proxies in front whose X-Forwarded-* headers are trusted (0: none; such headers are ignored).
    proxy_hops: int = 0
    # /metrics is served only to a caller sending this token as a bearer token (unset: /metrics is 404).
    metrics_token: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        units_text = env.get("BREACHTRAIL_UNITS", "").strip()
        known_units = None
        if units_text:
            known_units = frozenset(u.strip() for u in units_text.split(",") if u.strip())
            bad = sorted(u for u in known_units if not is_unit_slug(u))
            if bad:
                raise ConfigurationError(f"BREACHTRAIL_UNITS: not unit slugs: {', '.join(bad)}")
        return cls(
            database_url=normalise_database_url(env.get("BREACHTRAIL_DATABASE_URL") or DEFAULT_DATABASE_URL),
            known_units=known_units,
            snapshot_interval=_positive_int(env, "BREACHTRAIL_SNAPSHOT_INTERVAL", DEFAULT_SNAPSHOT_INTERVAL),
            aggregate_cache_size=_positive_int(env, "BREACHTRAIL_AGGREGATE_CACHE_SIZE", 500, minimum=0),
            statistics_k=_positive_int(env, "BREACHTRAIL_STATISTICS_K", DEFAULT_K, minimum=MINIMUM_K),
            inline_projections=_flag(env, "BREACHTRAIL_INLINE_PROJECTIONS", True),
            master_key=_master_key(env),
            master_key_file=Path(env.get("BREACHTRAIL_MASTER_KEY_FILE") or DEFAULT_MASTER_KEY_FILE),
            create_tables=env.get("BREACHTRAIL_CREATE_TABLES", "yes").lower() not in {"0", "no", "false"},
            retention=_retention(env),
            ready_max_lag=_positive_int(env, "BREACHTRAIL_READY_MAX_LAG", 1000, minimum=0),
            proxy_hops=_positive_int(env, "BREACHTRAIL_PROXY_HOPS", 0, minimum=0),
            metrics_token=_metrics_token(env),
        )

    def resolved_master_key(self) -> bytes:
        """The master key: configured, or read from (and first made in) the key file."""
        if self.master_key is not None:
            return self.master_key
        try:
            return load_or_create_key_file(self.master_key_file)
        except ValueError as error:
            raise ConfigurationError(f"{self.master_key_file}: {error}") from None

    def eventsourcing_env(self) -> dict[str, str]:
        """The settings of the ``eventsourcing`` application, from ours."""
        env = {
            "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
            "SQLALCHEMY_URL": self.database_url,
            "CREATE_TABLE": "yes" if self.create_tables else "no",
        }
        if self.aggregate_cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.aggregate_cache_size)
        return env


def normalise_database_url(url: str) -> str:
    """Accept what people type (``postgresql://``) and name the driver we ship (psycopg 3).

    A relative SQLite file's folder is created, so the default works on a fresh clone.
    """
    try:
        parsed = make_url(url)
    except Exception as error:
        raise ConfigurationError(f"BREACHTRAIL_DATABASE_URL is not a database URL: {error}") from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername.startswith("sqlite"):
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    elif not parsed.drivername.startswith("postgresql"):
        raise ConfigurationError(
            f"BREACHTRAIL_DATABASE_URL: unsupported database '{parsed.drivername}' (use sqlite or postgresql)"
        )
    return parsed.render_as_string(hide_password=False)


def _master_key(env: Mapping[str, str]) -> bytes | None:
    text = env.get("BREACHTRAIL_MASTER_KEY", "").strip()
    if not text:
        return None
    try:
        return parse_master_key(text)
    except ValueError as error:
        raise ConfigurationError(f"BREACHTRAIL_MASTER_KEY: {error}") from None


def _metrics_token(env: Mapping[str, str]) -> str | None:
    text = env.get("BREACHTRAIL_METRICS_TOKEN", "").strip()
    if not text:
        return None
    if len(text) < 24:
        raise ConfigurationError("BREACHTRAIL_METRICS_TOKEN must be at least 24 characters (a random secret)")
    return text


def _retention(env: Mapping[str, str]) -> RetentionPolicy:
    text = env.get("BREACHTRAIL_RETENTION", "").strip()
    try:
        return RetentionPolicy.parse(text) if text else RetentionPolicy.default()
    except InvalidRetentionPolicy as error:
        raise ConfigurationError(f"BREACHTRAIL_RETENTION: {error}") from None


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in {"1", "yes", "true", "on"}:
        return True
    if text in {"0", "no", "false", "off"}:
        return False
    raise ConfigurationError(f"{name} must be yes or no, not {text!r}")


def _positive_int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {text!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}")
    return value


def generate_master_key() -> str:
    """A new master key, as the text BREACHTRAIL_MASTER_KEY takes."""
    return base64.urlsafe_b64encode(os.urandom(MASTER_KEY_BYTES)).decode("ascii")


def parse_master_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != MASTER_KEY_BYTES:
        raise ValueError("a master key is 32 bytes, base64 (urlsafe) encoded: see 'breachtrail keys generate'")
    return key


def load_or_create_key_file(path: Path) -> bytes:
    """The master key in ``path``, made (readable by its owner only) when there is none yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(generate_master_key() + "\n")
        logger.warning("generated a master key in %s; keep a copy apart from the database", path)
    return parse_master_key(path.read_text())


#: Every setting: name, default, meaning. docs/DEPLOYMENT.md carries the same table; a test keeps them in step.
SETTINGS_TABLE: tuple[tuple[str, str, str], ...] = (
    ("BREACHTRAIL_DATABASE_URL", DEFAULT_DATABASE_URL, "Where events and read models live (sqlite or postgresql)."),
    ("BREACHTRAIL_MASTER_KEY", "(unset)", "The master key (32 bytes, urlsafe base64) guarding every case's data key."),
    ("BREACHTRAIL_MASTER_KEY_FILE", str(DEFAULT_MASTER_KEY_FILE), "Read (or first made) when no master key is set."),
    ("BREACHTRAIL_UNITS", "(unset: any unit)", "Comma-separated unit slugs this installation knows."),
    ("BREACHTRAIL_SNAPSHOT_INTERVAL", str(DEFAULT_SNAPSHOT_INTERVAL), "Events between snapshots of a case."),
    ("BREACHTRAIL_AGGREGATE_CACHE_SIZE", "500", "Cases kept in memory per worker (0: none)."),
    ("BREACHTRAIL_STATISTICS_K", str(DEFAULT_K), f"Smallest count statistics show (at least {MINIMUM_K})."),
    ("BREACHTRAIL_INLINE_PROJECTIONS", "yes", "Write the read side with the events; no: the projection worker does."),
    ("BREACHTRAIL_CREATE_TABLES", "yes", "Create missing tables at start; serve sets no for its workers."),
    ("BREACHTRAIL_RETENTION", "(service default)", "How long closed cases keep personal data, by outcome."),
    ("BREACHTRAIL_READY_MAX_LAG", "1000", "/readyz answers 503 while the read side is further behind than this."),
    ("BREACHTRAIL_PROXY_HOPS", "0", "Reverse proxies whose X-Forwarded-* headers are trusted (0: none)."),
    ("BREACHTRAIL_METRICS_TOKEN", "(unset: no /metrics)", "Bearer token for /metrics; at least 24 characters."),
)

_CHECKS = {
    "BREACHTRAIL_DATABASE_URL": lambda env: normalise_database_url(env.get("BREACHTRAIL_DATABASE_URL")
                                                                   or DEFAULT_DATABASE_URL),
    "BREACHTRAIL_MASTER_KEY": _master_key,
    "BREACHTRAIL_SNAPSHOT_INTERVAL": lambda env: _positive_int(env, "BREACHTRAIL_SNAPSHOT_INTERVAL", 1),
    "BREACHTRAIL_AGGREGATE_CACHE_SIZE": lambda env: _positive_int(env, "BREACHTRAIL_AGGREGATE_CACHE_SIZE", 0,
                                                                  minimum=0),
    "BREACHTRAIL_STATISTICS_K": lambda env: _positive_int(env, "BREACHTRAIL_STATISTICS_K", DEFAULT_K,
                                                          minimum=MINIMUM_K),
    "BREACHTRAIL_INLINE_PROJECTIONS": lambda env: _flag(env, "BREACHTRAIL_INLINE_PROJECTIONS", True),
    "BREACHTRAIL_CREATE_TABLES": lambda env: _flag(env, "BREACHTRAIL_CREATE_TABLES", True),
    "BREACHTRAIL_RETENTION": _retention,
    "BREACHTRAIL_READY_MAX_LAG": lambda env: _positive_int(env, "BREACHTRAIL_READY_MAX_LAG", 0, minimum=0),
    "BREACHTRAIL_PROXY_HOPS": lambda env: _positive_int(env, "BREACHTRAIL_PROXY_HOPS", 0, minimum=0),
    "BREACHTRAIL_METRICS_TOKEN": _metrics_token,
}


def check(environ: Mapping[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Every mistake in the settings (not just the first), and warnings such as a misspelt name."""
    env = os.environ if environ is None else environ
    errors: list[str] = []
    for check_one in _CHECKS.values():
        try:
            check_one(env)
        except ConfigurationError as error:
            errors.append(str(error))
    try:
        Settings.from_environ(env)  # whatever the single checks above do not cover (units)
    except ConfigurationError as error:
        if str(error) not in errors:
            errors.append(str(error))
    known = {name for name, _, _ in SETTINGS_TABLE}
    warnings = [f"{name} is not a setting of this release (misspelt?); it is ignored"
                for name in sorted(env) if name.startswith("BREACHTRAIL_") and name not in known
                and not name.startswith("BREACHTRAIL_TEST_")]
    return errors, warnings
