"""Deployment settings of the reference server, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_RATE_LIMIT = "60/minute"
DATABASE_FILE = "schedulingkit.sqlite3"


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
    validate_responses: bool = False  # a test aid: production never validates responses
    database_is_default: bool = False  # the URL came from `default_database_url`

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `SCHEDULINGKIT_*` variables (unset or empty means the default)."""
        env = os.environ if environ is None else environ
        configured = env.get("SCHEDULINGKIT_DATABASE_URL")
        return cls(
            database_url=configured or default_database_url(env),
            redis_url=env.get("SCHEDULINGKIT_REDIS_URL") or None,
            rate_limit=env.get("SCHEDULINGKIT_RATE_LIMIT") or DEFAULT_RATE_LIMIT,
            database_is_default=not configured,
        )
