"""`schedulingkit demo`'s team and token, kept from one run to the next.

A token's secret is stored nowhere but in the hands of whoever created it (the database keeps
its hash). `demo` is that holder: it writes the team id and the token to `demo.json` in the
data directory (readable by its owner only), keyed by database, and on the next run reuses
them when the database still has the team and the token is still valid. `--fresh` makes a
new team and token instead.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .data.db import Database
from .startup import mask_url, sqlite_path

STATE_FILE = "demo.json"
Seeder = Callable[[int], dict[str, int]]  # team id -> rows seeded per resource
TEAM_NAME = "Demo Clinic"
TOKEN_NAME = "demo"


@dataclass(frozen=True)
class DemoTeam:
    """The demo's team and token, and whether they come from an earlier run."""

    team_id: int
    token: str
    reused_team: bool
    reused_token: bool
    seeded: dict[str, int]  # rows seeded by this run (empty when the team was reused)


def database_key(url: str) -> str:
    """What identifies a database across runs: a SQLite file's absolute path, or the URL
    without its password."""
    path = sqlite_path(url)
    return f"sqlite:///{path}" if path is not None else mask_url(url)


def _load(state_path: Path) -> dict[str, dict]:
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _save(state_path: Path, state: dict[str, dict]) -> None:
    """Replace the file atomically, readable by its owner only (it holds tokens)."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=state_path.parent, prefix=".demo-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2, sort_keys=True)
        os.chmod(temporary, 0o600)
        os.replace(temporary, state_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _token_is_valid(database: Database, team_id: int, plaintext: str) -> bool:
    """Whether `plaintext` is an unrevoked token of `team_id` in this database."""
    from .data.tokens import TOKEN_PATTERN, hash_secret, list_tokens

    match = TOKEN_PATTERN.match(plaintext)
    if match is None:
        return False
    token_id, secret = int(match[1]), match[2] + match[3]
    with database.system_session() as session:
        for row in list_tokens(session, team_id):
            if row.id == token_id:
                return row.revoked_at is None and row.token_hash == hash_secret(secret)
    return False


def _team_exists(database: Database, team_id: int) -> bool:
    from .data.models.platform import Team

    with database.system_session() as session:
        team = session.get(Team, team_id)
        return team is not None and team.name == TEAM_NAME


def _new_token(database: Database, team_id: int) -> str:
    from .data.tokens import create_token

    with database.system_session() as session:
        return create_token(session, team_id, TOKEN_NAME).plaintext


def _new_team(database: Database, seed: Seeder) -> tuple[int, dict[str, int]]:
    from .services.team import create_team

    with database.system_session() as session:
        team = create_team(
            session, TEAM_NAME, timezone="Europe/London", currency="GBP", invoice_prefix="DC-"
        )
        team_id = team.id
    return team_id, seed(team_id)


def prepare(database: Database, state_path: Path, seed: Seeder, *, fresh: bool = False) -> DemoTeam:
    """The demo team and token of this database: the last run's, or a new team filled by
    `seed` (the CLI's, which `schedulingkit seed` runs too) and a new token."""
    key = database_key(database.url)
    state = _load(state_path)
    kept = state.get(key) if not fresh else None
    team_id = kept.get("team_id") if isinstance(kept, dict) else None
    token = kept.get("token") if isinstance(kept, dict) else None
    if isinstance(team_id, int) and _team_exists(database, team_id):
        if isinstance(token, str) and _token_is_valid(database, team_id, token):
            return DemoTeam(team_id, token, reused_team=True, reused_token=True, seeded={})
        token = _new_token(database, team_id)
        state[key] = {"team_id": team_id, "token": token}
        _save(state_path, state)
        return DemoTeam(team_id, token, reused_team=True, reused_token=False, seeded={})
    team_id, counts = _new_team(database, seed)
    token = _new_token(database, team_id)
    state[key] = {"team_id": team_id, "token": token}
    _save(state_path, state)
    return DemoTeam(team_id, token, reused_team=False, reused_token=False, seeded=counts)
