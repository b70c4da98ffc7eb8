"""The README's operator section, followed literally: its shell blocks (marked
`<!-- operator-step: NAME -->`) run as written, against the real PostgreSQL and a Redis server
the README's own step starts.

The blocks read their names from SK_* variables with defaults; this test sets its own (a role
and a database of its own, a free Redis port, free HTTP ports), so it never touches the shared
services' roles, databases or Redis, and removes what it made at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.docs_helpers import REPO_ROOT, require

STEP = re.compile(r"<!-- operator-step: (\S+) -->\n```sh\n(.*?)```", re.S)
SETUP_STEPS = ("settings", "postgresql", "redis", "configure")
STARTUP_SECONDS = 90


def readme_steps() -> dict[str, str]:
    return dict(STEP.findall((REPO_ROOT / "README.md").read_text(encoding="utf-8")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bash(script: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=timeout
    )


def environment_after(script: str, env: dict[str, str]) -> dict[str, str]:
    """Run the blocks in one shell, as an operator would paste them; the variables they left."""
    done = bash(f"set -euo pipefail\n{script}\nenv -0", env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    pairs = [item.split("=", 1) for item in done.stdout.split("\0") if "=" in item]
    return {key.split("\n")[-1]: value for key, value in pairs}


class Server:
    """The `serve` block running in the background, with its startup lines."""

    def __init__(self, block: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.port = int(env["SK_PORT"])
        self.output = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            ["bash", "-c", f"exec {block.strip()}"],
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited:\n{log.read_text()}")
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v1/team", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)

    def startup(self) -> dict[str, str]:
        lines = {}
        for line in self.log.read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("database", "redis", "rate limit", "public URL"):
                lines[key] = value.strip()
        return lines

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.output.close()


def check(steps: dict[str, str], env: dict[str, str]) -> tuple[dict, dict[int, int]]:
    """Run the check block: the team it read and how many of each status the loop counted."""
    done = bash(steps["check"], env, timeout=120)
    assert done.returncode == 0, done.stderr
    first, *counts = done.stdout.strip().splitlines()
    tally = {int(code): int(n) for n, code in (line.split() for line in counts)}
    return json.loads(first), tally


def psql(sql: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-q", "-c", sql], check=True)


@pytest.fixture
def operator_env(tmp_path) -> Iterator[dict[str, str]]:
    """The environment an operator starts from, with this test's own names."""
    for tool in ("runuser", "pg_ctlcluster", "redis-server", "redis-cli", "curl", "psql"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    require(os.geteuid() == 0, "the README's steps run as root")
    require(bool(os.environ.get("SCHEDULINGKIT_TEST_POSTGRES_URL")), "no PostgreSQL for tests")
    name = f"sk_readme_{secrets.token_hex(4)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULINGKIT_", "SK_"))}
    env.update(
        SK_DB_NAME=name,
        SK_DB_USER=name,
        SK_DB_PASSWORD=secrets.token_hex(12),
        SK_REDIS_PORT=str(free_port()),
        SK_PORT=str(free_port()),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    try:
        yield env
    finally:
        subprocess.run(["redis-cli", "-p", env["SK_REDIS_PORT"], "shutdown", "nosave"],
                       capture_output=True)  # fmt: skip
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(f'DROP ROLE IF EXISTS "{name}"')


def test_the_operator_section_runs_as_written(operator_env, tmp_path):
    steps = readme_steps()
    assert set(steps) == {*SETUP_STEPS, "serve", "check"}
    setup = "\n".join(steps[name] for name in SETUP_STEPS)
    env = environment_after(setup, operator_env)
    # every step can be run again: the same blocks a second time leave a working setup
    environment_after(setup, operator_env)
    assert env["SCHEDULINGKIT_DATABASE_URL"].endswith(f"/{operator_env['SK_DB_NAME']}")
    assert env["SCHEDULINGKIT_REDIS_URL"] == f"redis://127.0.0.1:{operator_env['SK_REDIS_PORT']}/0"
    token = env["SK_TOKEN"]

    first = Server(steps["serve"], env, tmp_path / "first.log")
    second_env = {**env, "SK_PORT": str(free_port())}  # a second host: same variables
    second = None
    try:
        lines = first.startup()
        assert lines["database"].endswith(f":***@127.0.0.1:5432/{env['SK_DB_NAME']}")
        assert env["SK_DB_PASSWORD"] not in first.log.read_text()
        assert lines["redis"].startswith(env["SCHEDULINGKIT_REDIS_URL"])
        assert lines["rate limit"] == (
            "60 requests per minute per token, counted in Redis for every process and host"
        )
        assert lines["public URL"] == f"http://0.0.0.0:{env['SK_PORT']}"

        team, tally = check(steps, env)
        assert team["data"]["name"] == "Acme Physio"
        assert tally == {200: 59, 429: 6}  # one limit for every worker, as the README says

        second = Server(steps["serve"], second_env, tmp_path / "second.log")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        # the second host shares the limit (already spent) ...
        refused = httpx.get(f"http://127.0.0.1:{second.port}/api/v1/team", headers=headers)
        assert refused.status_code == 429
        # ... and the data: a client created through one host is read through the other
        other = bash(
            f"schedulingkit token create --team {team['data']['id']} --name second | tail -n 1",
            env,
        ).stdout.strip()
        other_headers = {"Authorization": f"Bearer {other}", "Accept": "application/json"}
        created = httpx.post(
            f"http://127.0.0.1:{first.port}/api/v1/clients",
            json={"name": "Grace Hopper"},
            headers=other_headers,
        )
        assert created.status_code == 201, created.text
        read = httpx.get(
            f"http://127.0.0.1:{second.port}/api/v1/clients/{created.json()['data']['id']}",
            headers=other_headers,
        )
        assert read.status_code == 200 and read.json()["data"]["name"] == "Grace Hopper"
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_without_redis_each_process_counts_on_its_own(operator_env, tmp_path):
    steps = readme_steps()
    setup = "\n".join(steps[name] for name in SETUP_STEPS)
    env = environment_after(setup, operator_env)
    del env["SCHEDULINGKIT_REDIS_URL"]
    server = Server(steps["serve"], env, tmp_path / "alone.log")
    try:
        workers = int(bash("nproc", env).stdout)
        lines = server.startup()
        assert lines["redis"].startswith("none")
        if workers > 1:
            assert lines["rate limit"].endswith(
                f"counted by each of the {workers} processes on its own: "
                f"up to {60 * workers} in all"
            )
            _team, tally = check(steps, env)
            # one shared limit would let 59 of the loop's 65 through (as in the Redis test)
            assert tally.get(200, 0) > 59, tally
    finally:
        server.stop()
