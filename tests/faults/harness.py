"""Serve the reference server (wrapped in a fault, or not) in a real uvicorn process, and run
the conformance suite against it through its Python entry point.

One SQLite file is migrated and given two teams and three tokens once; each served process
gets a fresh copy of it, so no fault sees what another one left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
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
    from schedulingkit.impl import migrate
    from schedulingkit.impl.db import Database
    from schedulingkit.impl.seed import seed_team
    from schedulingkit.impl.services.team import create_team
    from schedulingkit.impl.tokens import create_token

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
            with database.unit_of_work(team_id) as session:
                seed_team(session)
    finally:
        database.dispose()
    return credentials


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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

    def spawn(self, env: dict[str, str], port: int, log: Path) -> int:
        """Fork a uvicorn process serving with `env`; its pid."""
        assert self.process.stdin is not None and self.process.stdout is not None
        with self.lock:
            request = {"env": env, "port": port, "log": str(log)}
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
    """A server process started by `served`: plain `subprocess.Popen` or a fork's pid."""

    def __init__(self, process: subprocess.Popen | None = None, pid: int | None = None) -> None:
        self.process = process
        self.pid = process.pid if process is not None else pid

    def exited(self) -> bool:
        if self.process is not None:
            return self.process.poll() is not None
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


@contextlib.contextmanager
def served(
    fault: str | None,
    template: Path,
    credentials: Credentials,
    workdir: Path,
    rate_limit: str = GENEROUS_RATE_LIMIT,
    forks: ForkServer | None = None,
) -> Iterator[str]:
    """A uvicorn process serving `fault` (None: the plain reference server) on a fresh copy of
    `template`; yields its base URL. With `forks`, the process is forked from the fork server;
    without, it is `uvicorn tests.faults.serve:app --factory`."""
    label = fault or "baseline"
    database = workdir / f"{label}.sqlite3"
    shutil.copyfile(template, database)
    port = free_port()
    env = {
        "SCHEDULINGKIT_DATABASE_URL": sqlite_url(database),
        "SCHEDULINGKIT_RATE_LIMIT": rate_limit,
        FAULT_VARIABLE: fault or "",
        CREDENTIALS_VARIABLE: credentials.to_json(),
    }
    log_path = workdir / f"{label}.log"
    if forks is not None:
        server = Served(pid=forks.spawn(env, port, log_path))
    else:
        full_env = {**os.environ, **env}
        full_env.pop("SCHEDULINGKIT_REDIS_URL", None)
        command = [sys.executable, "-m", "uvicorn", "tests.faults.serve:app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        with log_path.open("wb") as log:
            server = Served(
                subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=log)
            )
    base_url = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_until_up(server, base_url, log_path)
        yield base_url
    finally:
        server.stop()


def _wait_until_up(server: Served, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.exited():
            raise ServerFailed(f"server exited:\n{log_path.read_text()}")
        try:
            httpx.get(f"{base_url}/team", timeout=1.0)
            return  # any HTTP answer (401 without a token) means it serves
        except httpx.TransportError:
            time.sleep(0.1)
    raise ServerFailed(f"server did not answer in {STARTUP_SECONDS}s:\n{log_path.read_text()}")


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
