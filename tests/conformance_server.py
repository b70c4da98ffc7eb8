"""The reference server in a real uvicorn process on a fresh SQLite file, set up through the
platform's CLI (`db upgrade`, `team create`, `token create`), for the conformance tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from live_server import free_port, serving

LIMITED_SCOPES = ("clients:read", "events:read", "events:write", "taxes:read")
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class Deployment:
    base_url: str
    token: str
    other_team_token: str
    limited_token: str
    limited_scopes: tuple[str, ...]
    spare_tokens: tuple[str, ...]  # more tokens of the first team, with every scope
    log: Path


def _cli(env: dict[str, str], *args: str) -> str:
    """Run `schedulingkit ARGS`; its last output line (the id or token it printed)."""
    done = subprocess.run(
        ["schedulingkit", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1].strip()


@contextmanager
def reference_server(directory: Path, rate_limit: str) -> Iterator[Deployment]:
    """Serve the reference server on a fresh database; stop it afterwards."""
    env = {
        **os.environ,
        "SCHEDULINGKIT_DATABASE_URL": f"sqlite:///{directory / 'conformance.sqlite3'}",
        "SCHEDULINGKIT_RATE_LIMIT": rate_limit,
    }
    env.pop("SCHEDULINGKIT_REDIS_URL", None)
    _cli(env, "db", "upgrade")
    first = _cli(env, "team", "create", "Conformance First")
    second = _cli(env, "team", "create", "Conformance Second")
    token = _cli(env, "token", "create", "--team", first, "--name", "suite")
    other = _cli(env, "token", "create", "--team", second, "--name", "suite")
    limited = _cli(
        env,
        "token",
        "create",
        "--team",
        first,
        "--name",
        "limited",
        "--scopes",
        ",".join(LIMITED_SCOPES),
    )
    spare = tuple(
        _cli(env, "token", "create", "--team", first, "--name", f"spare{i}") for i in range(2)
    )
    port = free_port()
    log = directory / "server.log"
    command = ["schedulingkit", "serve", "--host", "127.0.0.1", "--port", str(port)]
    base_url = f"http://127.0.0.1:{port}/api/v1"
    with serving(command, env, log, f"http://127.0.0.1:{port}/up"):
        yield Deployment(base_url, token, other, limited, LIMITED_SCOPES, spare, log)
