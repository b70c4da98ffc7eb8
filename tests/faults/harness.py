"""Serve the reference server (wrapped in a fault, or not) in a real uvicorn process, and run
the conformance suite against it through its Python entry point.

One SQLite file is migrated and given two seeded teams and three tokens once; each served
process (forked from `forkserver`) gets a fresh copy of it, so no fault sees what another one
left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
FAULT_VARIABLE = "SCHEDULINGKIT_FAULT"
CREDENTIALS_VARIABLE = "SCHEDULINGKIT_FAULT_CREDENTIALS"
# High enough that no rule but the rate-limit ones ever meets the limit.
GENEROUS_RATE_LIMIT = "100000/minute"
# The limited token may read clients and taxes and nothing else.
LIMITED_SCOPES = ("clients:read", "taxes:read")
STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class Credentials:
    """The tokens the suite is given: two teams, and a limited token of the first."""

    token: str
    other_team_token: str
    limited_token: str
    limited_scopes: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        values = json.loads(text)
        return cls(**{**values, "limited_scopes": tuple(values["limited_scopes"])})


def prepare_database(path: Path) -> Credentials:
    """Migrate a new SQLite file at `path`, create the two teams of a run with their demo
    data (so lists have several pages) and the tokens."""
    from schedulingkit.impl.data import migrate
    from schedulingkit.impl.data.db import Database
    from schedulingkit.impl.data.tokens import create_token
    from schedulingkit.impl.services.seed import seed
    from schedulingkit.impl.services.team import create_team

    url = sqlite_url(path)
    migrate.upgrade(url)
    database = Database(url)
    try:
        with database.system_session() as session:
            team = create_team(session, "Fault Injection Main")
            other = create_team(session, "Fault Injection Other")
            credentials = Credentials(
                token=create_token(session, team.id, "conformance").plaintext,
                other_team_token=create_token(session, other.id, "other team").plaintext,
                limited_token=create_token(
                    session, team.id, "limited", list(LIMITED_SCOPES)
                ).plaintext,
                limited_scopes=LIMITED_SCOPES,
            )
            team_ids = (team.id, other.id)
        for team_id in team_ids:
            seed(url, team_id)
    finally:
        database.dispose()
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file that is copied
    return credentials


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class ServerFailed(RuntimeError):
    """The served process exited or never answered; the message holds its log."""


class ForkServer:
    """A `tests.faults.forkserver` process: serves each fault from a fork, in a second."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "SCHEDULINGKIT_REDIS_URL"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.forkserver"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lock = threading.Lock()

    def spawn(self, env: dict[str, str], port_file: Path, log: Path) -> int:
        """Fork a uvicorn process serving with `env`; its pid."""
        assert self.process.stdin is not None and self.process.stdout is not None
        request = {"env": env, "port_file": str(port_file), "log": str(log)}
        with self.lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise ServerFailed("the fork server exited")
        return int(json.loads(answer)["pid"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Served:
    """A forked server process, known by its pid (the fork server reaps it)."""

    def __init__(self, pid: int, log: Path) -> None:
        self.pid = pid
        self.log = log

    def exited(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        return False

    def stop(self) -> None:
        if self.exited():
            return
        os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while not self.exited():
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
            time.sleep(0.05)

    def failure(self, what: str) -> ServerFailed:
        log = self.log.read_text() if self.log.exists() else ""
        return ServerFailed(f"{what}:\n{log}")


@contextlib.contextmanager
def served(
    fault: str | None,
    template: Path,
    credentials: Credentials,
    workdir: Path,
    forks: ForkServer,
    rate_limit: str = GENEROUS_RATE_LIMIT,
) -> Iterator[str]:
    """A uvicorn process serving `fault` (None: the plain reference server) on a fresh copy of
    `template`, forked from `forks`; yields its base URL."""
    label = fault or "baseline-" + re.sub(r"\W+", "-", rate_limit)
    database = workdir / f"{label}.sqlite3"
    shutil.copyfile(template, database)
    env = {
        "SCHEDULINGKIT_DATABASE_URL": sqlite_url(database),
        "SCHEDULINGKIT_RATE_LIMIT": rate_limit,
        FAULT_VARIABLE: fault or "",
        CREDENTIALS_VARIABLE: credentials.to_json(),
    }
    port_file = workdir / f"{label}.port"
    port_file.unlink(missing_ok=True)
    server = Served(forks.spawn(env, port_file, workdir / f"{label}.log"), workdir / f"{label}.log")
    try:
        base_url = f"http://127.0.0.1:{_port(server, port_file)}/api/v1"
        _wait_until_up(server, base_url)
        yield base_url
    finally:
        server.stop()


def _port(server: Served, port_file: Path) -> int:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not port_file.exists():
        if server.exited():
            raise server.failure("the server exited before binding a port")
        if time.monotonic() > deadline:
            raise server.failure(f"no port bound in {STARTUP_SECONDS}s")
        time.sleep(0.02)
    return int(port_file.read_text())


def _wait_until_up(server: Served, base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.exited():
            raise server.failure("the server exited")
        try:
            httpx.get(f"{base_url}/team", timeout=1.0)
            return  # any HTTP answer (401 without a token) means it serves
        except httpx.TransportError:
            time.sleep(0.05)
    raise server.failure(f"the server did not answer in {STARTUP_SECONDS}s")


def run_rules(
    base_url: str,
    credentials: Credentials,
    rules: Sequence[str],
    max_examples: int = 5,
):
    """The suite's report for `rules` (glob patterns) against `base_url`."""
    from schedulingkit.conformance.config import SuiteConfig
    from schedulingkit.conformance.runner import run_suite

    config = SuiteConfig(
        base_url=base_url,
        token=credentials.token,
        other_team_token=credentials.other_team_token,
        limited_token=credentials.limited_token,
        limited_scopes=credentials.limited_scopes,
        rules=tuple(rules),
        max_examples=max_examples,
        seed=1,
    )
    return run_suite(config)
