"""Deployment settings of the reference server, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .web.public_url import checked_public_url

DEFAULT_RATE_LIMIT = "60/minute"
DATABASE_FILE = "schedulingkit.sqlite3"
# Seconds the server waits for its dependencies before answering 503: each database
# statement (and the checkout of a connection), each rate-limit call to Redis. (SQLite, in
# the process, waits up to 5 s for another writer's lock instead: `db.SQLITE_LOCK_WAIT`.)
DEFAULT_DATABASE_TIMEOUT = 0.75
DEFAULT_REDIS_TIMEOUT = 0.5
DEFAULT_MAX_BODY_BYTES = 1024 * 1024  # 1 MiB
# Database connections each server process keeps open and never exceeds: a request waits
# for one (within the database deadline) rather than open and close one of its own.
DEFAULT_DATABASE_POOL_SIZE = 20


def data_directory(environ: Mapping[str, str] | None = None) -> Path:
    """Where the server keeps its own files: `$XDG_DATA_HOME/schedulingkit`, by default
    `~/.local/share/schedulingkit`. One place per user, whatever the current directory, so
    starting the server from another directory never makes a second database."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local/share")
    return Path(base).expanduser() / "schedulingkit"


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """The SQLite file used when SCHEDULINGKIT_DATABASE_URL is unset (an absolute path)."""
    return f"sqlite:///{data_directory(environ) / DATABASE_FILE}"


@dataclass(frozen=True)
class Settings:
    """What a deployment configures; everything else is fixed by the contract."""

    database_url: str = field(default_factory=default_database_url)
    redis_url: str | None = None
    rate_limit: str = DEFAULT_RATE_LIMIT
    database_timeout: float = DEFAULT_DATABASE_TIMEOUT
    redis_timeout: float = DEFAULT_REDIS_TIMEOUT
    # links and Location are built from it; None: the address each request came in on
    public_url: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # larger bodies answer 413
    database_pool_size: int = DEFAULT_DATABASE_POOL_SIZE  # connections per process
    validate_responses: bool = False  # a test aid: production never validates responses
    database_is_default: bool = False  # the URL came from `default_database_url`

    def __post_init__(self) -> None:
        if self.public_url is not None:
            object.__setattr__(self, "public_url", checked_public_url(self.public_url))
        if self.max_body_bytes < 1:
            raise ValueError(f"the body limit must be at least 1 byte, not {self.max_body_bytes}")
        if self.database_pool_size < 1:
            raise ValueError(f"the pool needs at least 1 connection, not {self.database_pool_size}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `SCHEDULINGKIT_*` variables (unset or empty means the default);
        ValueError names the variable whose value is not usable."""
        env = os.environ if environ is None else environ
        public = env.get("SCHEDULINGKIT_PUBLIC_URL") or None
        if public is not None:
            try:
                checked_public_url(public)
            except ValueError as exc:
                raise ValueError(f"SCHEDULINGKIT_PUBLIC_URL: {exc}") from None
        configured = env.get("SCHEDULINGKIT_DATABASE_URL")
        return cls(
            database_url=configured or default_database_url(env),
            redis_url=env.get("SCHEDULINGKIT_REDIS_URL") or None,
            rate_limit=env.get("SCHEDULINGKIT_RATE_LIMIT") or DEFAULT_RATE_LIMIT,
            database_timeout=_seconds(
                env, "SCHEDULINGKIT_DATABASE_TIMEOUT", DEFAULT_DATABASE_TIMEOUT
            ),
            redis_timeout=_seconds(env, "SCHEDULINGKIT_REDIS_TIMEOUT", DEFAULT_REDIS_TIMEOUT),
            public_url=public,
            max_body_bytes=_positive_int(env, "SCHEDULINGKIT_MAX_BODY_BYTES", "bytes")
            or DEFAULT_MAX_BODY_BYTES,
            database_pool_size=_positive_int(env, "SCHEDULINGKIT_DATABASE_POOL_SIZE", "connections")
            or DEFAULT_DATABASE_POOL_SIZE,
            database_is_default=not configured,
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value <= 60:
        raise ValueError(f"{name} must be more than 0 and at most 60 seconds, not {raw!r}")
    return value


def _positive_int(env: Mapping[str, str], name: str, unit: str) -> int | None:
    raw = env.get(name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number of {unit} (at least 1), not {raw!r}")
    return value
