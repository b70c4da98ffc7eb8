"""Deployment settings of the reference server, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///schedulingkit.sqlite3"
DEFAULT_RATE_LIMIT = "60/minute"


@dataclass(frozen=True)
class Settings:
    """What a deployment configures; everything else is fixed by the contract."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    rate_limit: str = DEFAULT_RATE_LIMIT
    validate_responses: bool = False  # a test aid: production never validates responses

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from `SCHEDULINGKIT_*` variables (unset or empty means the default)."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("SCHEDULINGKIT_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=env.get("SCHEDULINGKIT_REDIS_URL") or None,
            rate_limit=env.get("SCHEDULINGKIT_RATE_LIMIT") or DEFAULT_RATE_LIMIT,
        )
