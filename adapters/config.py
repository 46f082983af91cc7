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
# Beside the data for a trial only; in production on a volume that is not backed up with the database.
DEFAULT_KEY_DIR = Path("var/keys")
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
    # Where the epoch keys that wrap the case keys live (see adapters/sql/key_epochs.py).
    key_dir: Path = DEFAULT_KEY_DIR
    # How long a retired epoch key is kept, so that backups this young can still be restored.
    # 0: destroyed at once, so no copy of the data made before an erasure can show what it erased.
    backup_window_days: int = 0
    # How long closed cases keep their personal data; see service.retention.DEFAULT_RETENTION.
    retention: RetentionPolicy = field(default_factory=RetentionPolicy.default)

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
            key_dir=Path(env.get("BREACHTRAIL_KEY_DIR") or DEFAULT_KEY_DIR),
            backup_window_days=_positive_int(env, "BREACHTRAIL_BACKUP_WINDOW_DAYS", 0, minimum=0),
            create_tables=env.get("BREACHTRAIL_CREATE_TABLES", "yes").lower() not in {"0", "no", "false"},
            retention=_retention(env),
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
            _create_private_file(Path(database))
    elif not parsed.drivername.startswith("postgresql"):
        raise ConfigurationError(
            f"BREACHTRAIL_DATABASE_URL: unsupported database '{parsed.drivername}' (use sqlite or postgresql)"
        )
    return parsed.render_as_string(hide_password=False)


def _create_private_file(path: Path) -> None:
    """The SQLite file and its folder, readable by their owner only, made before SQLite makes them.

    SQLite gives its ``-wal`` and ``-shm`` files the permissions of the database file.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _master_key(env: Mapping[str, str]) -> bytes | None:
    text = env.get("BREACHTRAIL_MASTER_KEY", "").strip()
    if not text:
        return None
    try:
        return parse_master_key(text)
    except ValueError as error:
        raise ConfigurationError(f"BREACHTRAIL_MASTER_KEY: {error}") from None


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
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(generate_master_key() + "\n")
        logger.warning("generated a master key in %s; keep a copy apart from the database", path)
    return parse_master_key(path.read_text())
