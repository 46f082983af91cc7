"""Configuration from the environment, and how it becomes the service's storage settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from domain.deadlines import DEFAULT_IDLE_DAYS, parse_idle_days
from domain.validation import DEFAULT_EARLIEST_DATE
from domain.values import Status, is_unit_slug
from service.cases import DEFAULT_SNAPSHOT_INTERVAL
from service.retention import InvalidRetentionPolicy, RetentionPolicy
from service.staff import DEFAULT_INTRODUCTION_DAYS, DEFAULT_STAFF_RETENTION_YEARS
from service.statistics import DEFAULT_K, MINIMUM_K

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///var/breachtrail.sqlite3"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_SESSION_IDLE_MINUTES = 30
DEFAULT_OIDC_USER_CLAIM = "preferred_username"
DEFAULT_MASTER_KEY_FILE = Path("var/master.key")
# Beside the data for a trial only; in production on a volume that is not backed up with the database.
DEFAULT_KEY_DIR = Path("var/keys")
DEFAULT_REQUEST_READ_TIMEOUT = 5  # seconds a client has to send a whole request
DEFAULT_RESPONSE_WRITE_TIMEOUT = 10  # seconds a client has to take a whole response
MASTER_KEY_BYTES = 32
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
    # How often a process looks whether another one changed a policy (the in-force table is in memory).
    policy_refresh_ms: int = 1000
    # Where the epoch keys that wrap the case keys live (see adapters/sql/key_epochs.py).
    key_dir: Path = DEFAULT_KEY_DIR
    # How long a retired epoch key is kept, so that backups this young can still be restored.
    # 0: destroyed at once, so no copy of the data made before an erasure can show what it erased.
    backup_window_days: int = 0
    # How long closed cases keep their personal data; see service.retention.DEFAULT_RETENTION.
    retention: RetentionPolicy = field(default_factory=RetentionPolicy.default)
    # Where browsers reach the service: sign-in links, reminder mails and calendar feeds start
    # here, and an https URL makes the session cookie Secure.
    public_url: str = DEFAULT_PUBLIC_URL
    # A browser session idle this long is signed out.
    session_idle_minutes: int = DEFAULT_SESSION_IDLE_MINUTES
    # Signs session cookies; None: derived from the master key, so every worker agrees.
    secret_key: bytes | None = None
    # Sign-in through the municipality's identity provider (OpenID Connect); off without an issuer.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_user_claim: str = DEFAULT_OIDC_USER_CLAIM
    # Days without a step before a case is called idle: a default and, optionally, per status.
    idle_days: int = DEFAULT_IDLE_DAYS
    idle_days_by_status: tuple[tuple[Status, int], ...] = ()
    smtp: SmtpSettings = field(default_factory=lambda: SmtpSettings())
    # §8: days a new starter may go without an introduction to the policy before it shows as overdue.
    introduction_days: int = DEFAULT_INTRODUCTION_DAYS
    # Years after an employee left before HR may erase their name and reference from the staff list.
    staff_retention_years: int = DEFAULT_STAFF_RETENTION_YEARS
    # /readyz answers 503 while the read side is more events than this behind the log.
    ready_max_lag: int = 1000
    # Proxies in front whose X-Forwarded-* headers are trusted (0: none; such headers are ignored).
    proxy_hops: int = 0
    # /metrics is served only to a caller sending this token as a bearer token (unset: /metrics is 404).
    metrics_token: str | None = None
    # No day a client names may lie before this (an incident, a talk, a deadline, a statistics range).
    earliest_date: date = DEFAULT_EARLIEST_DATE

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
            create_tables=_flag(env, "BREACHTRAIL_CREATE_TABLES", True),
            retention=_retention(env),
            public_url=_public_url(env),
            session_idle_minutes=_positive_int(env, "BREACHTRAIL_SESSION_IDLE_MINUTES", DEFAULT_SESSION_IDLE_MINUTES),
            secret_key=(env.get("BREACHTRAIL_SECRET_KEY") or "").encode() or None,
            oidc_issuer=(env.get("BREACHTRAIL_OIDC_ISSUER") or "").strip().rstrip("/") or None,
            oidc_client_id=(env.get("BREACHTRAIL_OIDC_CLIENT_ID") or "").strip() or None,
            oidc_client_secret=env.get("BREACHTRAIL_OIDC_CLIENT_SECRET") or None,
            oidc_user_claim=(env.get("BREACHTRAIL_OIDC_USER_CLAIM") or "").strip() or DEFAULT_OIDC_USER_CLAIM,
            **_idle_days(env),
            smtp=SmtpSettings.from_environ(env),
            introduction_days=_positive_int(env, "BREACHTRAIL_INTRODUCTION_DAYS", DEFAULT_INTRODUCTION_DAYS),
            staff_retention_years=_positive_int(env, "BREACHTRAIL_STAFF_RETENTION_YEARS",
                                                DEFAULT_STAFF_RETENTION_YEARS),
            policy_refresh_ms=_positive_int(env, "BREACHTRAIL_POLICY_REFRESH_MS", 1000, minimum=0),
            ready_max_lag=_positive_int(env, "BREACHTRAIL_READY_MAX_LAG", 1000, minimum=0),
            proxy_hops=_positive_int(env, "BREACHTRAIL_PROXY_HOPS", 0, minimum=0),
            metrics_token=_metrics_token(env),
            earliest_date=_earliest_date(env),
        )

    def resolved_master_key(self) -> bytes:
        """The master key: configured, or read from (and first made in) the key file."""
        if self.master_key is not None:
            return self.master_key
        try:
            return load_or_create_key_file(self.master_key_file)
        except ValueError as error:
            raise ConfigurationError(f"{self.master_key_file}: {error}") from None

    def session_secret(self) -> bytes:
        """The key that signs session cookies: configured, or derived from the master key."""
        if self.secret_key is not None:
            return self.secret_key
        return hmac.new(self.resolved_master_key(), b"breachtrail web session", hashlib.sha256).digest()

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

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


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server reminders go through; unset host: reminders cannot be sent."""

    host: str | None = None
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    sender: str = "breachtrail@localhost"

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> SmtpSettings:
        host = env.get("BREACHTRAIL_SMTP_HOST", "").strip() or None
        starttls = _flag(env, "BREACHTRAIL_SMTP_STARTTLS", True)
        user = env.get("BREACHTRAIL_SMTP_USER", "").strip() or None
        password = env.get("BREACHTRAIL_SMTP_PASSWORD") or None
        if (user is None) != (password is None):
            raise ConfigurationError("BREACHTRAIL_SMTP_USER and BREACHTRAIL_SMTP_PASSWORD go together")
        if user is not None and not starttls and host not in {"localhost", "127.0.0.1", "::1"}:
            raise ConfigurationError(
                "BREACHTRAIL_SMTP_USER without BREACHTRAIL_SMTP_STARTTLS would send the password in clear"
            )
        sender = env.get("BREACHTRAIL_SMTP_FROM", "").strip() or cls.sender
        if "@" not in sender or any(c in sender for c in "\r\n"):
            raise ConfigurationError(f"BREACHTRAIL_SMTP_FROM is not a mail address: {sender!r}")
        port = _positive_int(env, "BREACHTRAIL_SMTP_PORT", 587)
        if port > 65535:
            raise ConfigurationError("BREACHTRAIL_SMTP_PORT must be at most 65535")
        return cls(host, port, starttls, user, password, sender)

    def __repr__(self) -> str:
        # Never print the password, not even in a traceback.
        return f"SmtpSettings(host={self.host!r}, port={self.port}, starttls={self.starttls}, user={self.user!r})"


def _idle_days(env: Mapping[str, str]) -> dict[str, object]:
    text = env.get("BREACHTRAIL_IDLE_DAYS", "").strip()
    try:
        default, per_status = parse_idle_days(text)
    except ValueError as error:
        raise ConfigurationError(
            f"BREACHTRAIL_IDLE_DAYS: {error}; write it like 14 or 14,reported=7,warning_issued=30"
        ) from None
    return {"idle_days": default, "idle_days_by_status": tuple(per_status.items())}


def _public_url(env: Mapping[str, str]) -> str:
    url = (env.get("BREACHTRAIL_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/")
    if not url.startswith(("http://", "https://")) or any(c in url for c in " \r\n\"<>"):
        raise ConfigurationError(f"BREACHTRAIL_PUBLIC_URL must be an http(s) URL, not {url!r}")
    return url


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


TRUE_WORDS = frozenset({"1", "yes", "true", "on"})
FALSE_WORDS = frozenset({"0", "no", "false", "off"})


def _earliest_date(env: Mapping[str, str]) -> date:
    text = env.get("BREACHTRAIL_EARLIEST_DATE", "").strip()
    if not text:
        return DEFAULT_EARLIEST_DATE
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"BREACHTRAIL_EARLIEST_DATE must be a date, YYYY-MM-DD, not {text!r}") from None
    if day.year < 1900:
        raise ConfigurationError("BREACHTRAIL_EARLIEST_DATE must lie in 1900 or later")
    return day


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Every boolean setting is read here: yes/no, true/false, on/off, 1/0 (any case); unset: ``default``."""
    raw = env.get(name, "")
    text = raw.strip().lower()
    if not text:
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be one of yes/no, true/false, on/off, 1/0, not {raw.strip()!r}")


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


def request_read_timeout(env: Mapping[str, str]) -> int:
    """Seconds a client has to send its request head, and again its body (the web workers read it)."""
    return _positive_int(env, "BREACHTRAIL_REQUEST_READ_TIMEOUT", DEFAULT_REQUEST_READ_TIMEOUT)


def response_write_timeout(env: Mapping[str, str]) -> int:
    """Seconds a client has to take its whole response before the connection is closed (the web workers)."""
    return _positive_int(env, "BREACHTRAIL_RESPONSE_WRITE_TIMEOUT", DEFAULT_RESPONSE_WRITE_TIMEOUT)


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
