"""What `serve`, `demo` and `db upgrade` check and print before they start, run as the
operator runs them: real processes, a real SQLite file, real PostgreSQL and Redis."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ENV, REDIS_ENV, require_env

SCHEDULINGKIT = [sys.executable, "-c", "from schedulingkit.cli import main; main()"]
STARTUP_KEYS = ("database", "redis", "rate limit", "public URL")


def clean_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The environment without any SCHEDULINGKIT_* setting, with its own data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULINGKIT_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env.update(variables)
    return env


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60):
    return subprocess.run(
        [*SCHEDULINGKIT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_startup(args: list[str], env: dict[str, str], cwd: Path, last_key: str) -> dict:
    """Start a serving command, read its `key: value` lines up to `last_key`, then stop it."""
    process = subprocess.Popen(
        [*SCHEDULINGKIT, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: dict[str, str] = {}
    try:
        while last_key not in lines:
            line = process.stdout.readline()
            if not line:
                raise AssertionError(f"exited before {last_key!r}: {process.stderr.read()}")
            key, _, value = line.partition(":")
            lines[key.strip()] = value.strip()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return lines


def assert_one_line_error(result, *fragments: str) -> str:
    """Exit 1 with one line on stderr, no traceback, holding each fragment."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def wrong_password_url() -> str:
    url = make_url(require_env(POSTGRES_ENV))
    return url.set(password="not-the-password").render_as_string(hide_password=False)


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"]])
def test_a_wrong_database_password_is_one_masked_line(tmp_path, command):
    env = clean_env(tmp_path, SCHEDULINGKIT_DATABASE_URL=wrong_password_url())
    line = assert_one_line_error(
        run(command, env, tmp_path), "cannot connect to the database", ":***@"
    )
    assert "password authentication failed" in line
    assert "not-the-password" not in line


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"]])
def test_an_unreachable_database_is_one_line(tmp_path, command):
    url = make_url(require_env(POSTGRES_ENV)).set(port=free_port())
    env = clean_env(tmp_path, SCHEDULINGKIT_DATABASE_URL=url.render_as_string(False))
    assert_one_line_error(run(command, env, tmp_path), "cannot connect to the database", "***")


def test_serve_refuses_an_unreachable_redis_in_one_masked_line(tmp_path):
    redis_url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    env = clean_env(tmp_path, SCHEDULINGKIT_REDIS_URL=redis_url)
    line = assert_one_line_error(run(["serve"], env, tmp_path), "cannot connect to Redis")
    assert "s3cret" not in line and ":***@" in line


def test_serve_refuses_a_rate_it_cannot_read(tmp_path):
    env = clean_env(tmp_path, SCHEDULINGKIT_RATE_LIMIT="lots")
    assert_one_line_error(run(["serve"], env, tmp_path), "SCHEDULINGKIT_RATE_LIMIT='lots'")


def test_db_upgrade_names_an_unknown_revision_in_one_line(tmp_path):
    result = run(["db", "upgrade", "--revision", "nope"], clean_env(tmp_path), tmp_path)
    assert_one_line_error(result, "cannot migrate to nope")


def test_serve_prints_its_database_redis_rate_limit_and_public_url(tmp_path):
    database_url = require_env(POSTGRES_ENV)
    port = free_port()
    env = clean_env(
        tmp_path,
        SCHEDULINGKIT_DATABASE_URL=database_url,
        SCHEDULINGKIT_REDIS_URL=require_env(REDIS_ENV),
        SCHEDULINGKIT_RATE_LIMIT="120/minute",
    )
    lines = read_startup(["serve", "--port", str(port)], env, tmp_path, "public URL")
    assert list(lines)[:4] == list(STARTUP_KEYS)
    assert ":***@" in lines["database"]
    assert lines["database"] == make_url(database_url).render_as_string(hide_password=True)
    assert lines["redis"] == f"{require_env(REDIS_ENV)} (rate-limit counters of every process)"
    assert lines["rate limit"] == (
        "120 requests per minute per token, counted in Redis for every process and host"
    )
    assert lines["public URL"] == f"http://127.0.0.1:{port}"


def test_serve_without_redis_says_each_worker_counts_on_its_own(tmp_path):
    port = free_port()
    env = clean_env(tmp_path, SCHEDULINGKIT_RATE_LIMIT="50/minute")
    args = ["serve", "--port", str(port), "--workers", "4"]
    lines = read_startup(args, env, tmp_path, "public URL")
    assert lines["redis"].startswith("none")
    assert "each process counts on its own" in lines["redis"]
    assert lines["rate limit"] == (
        "50 requests per minute per token, counted by each of the 4 processes on its own: "
        "up to 200 in all"
    )
    default = tmp_path / "data" / "schedulingkit" / "schedulingkit.sqlite3"
    assert lines["database"] == f"sqlite:///{default} (the default; set " + (
        "SCHEDULINGKIT_DATABASE_URL to use another)"
    )


def test_demo_on_a_busy_port_writes_nothing(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(["demo", "--port", str(port)], clean_env(tmp_path), tmp_path)
    assert_one_line_error(result, f"port {port} on 127.0.0.1 is already in use")
    assert result.stdout == ""
    assert not (tmp_path / "data").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_serve_on_a_busy_port_is_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(["serve", "--port", str(port)], clean_env(tmp_path), tmp_path)
    assert_one_line_error(result, f"port {port} on 127.0.0.1 is already in use")
    assert not (tmp_path / "data").exists()


def test_demo_reuses_its_team_and_token_from_any_directory_until_fresh(tmp_path):
    env = clean_env(tmp_path)
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    first_dir.mkdir()
    second_dir.mkdir()
    first = read_startup(["demo", "--port", str(free_port())], env, first_dir, "try")
    second = read_startup(["demo", "--port", str(free_port())], env, second_dir, "try")
    assert list(first)[:4] == list(STARTUP_KEYS)
    assert re.match(r"Demo Clinic \(id \d+\), new: \d+ event types", first["team"])
    assert second["database"] == first["database"]  # one database, whatever the directory
    assert second["token"] == first["token"]
    team_id = re.search(r"id (\d+)", first["team"])[1]
    assert second["team"].startswith(f"Demo Clinic (id {team_id}), kept from the last run")
    fresh = read_startup(["demo", "--fresh", "--port", str(free_port())], env, first_dir, "try")
    assert fresh["token"] != first["token"]
    assert re.search(r"id (\d+)", fresh["team"])[1] != team_id
    assert "new:" in fresh["team"]
    listed = run(["team", "list"], env, first_dir).stdout
    assert listed.count("Demo Clinic") == 2
    assert not list(first_dir.iterdir()) and not list(second_dir.iterdir())


def test_demo_replaces_a_revoked_token_and_keeps_its_team(tmp_path):
    env = clean_env(tmp_path)
    first = read_startup(["demo", "--port", str(free_port())], env, tmp_path, "try")
    token_id = first["token"].split("|")[0]
    assert run(["token", "revoke", token_id], env, tmp_path).returncode == 0
    second = read_startup(["demo", "--port", str(free_port())], env, tmp_path, "try")
    assert second["token"] != first["token"]
    assert "kept from the last run with a new token" in second["team"]


def test_the_reused_demo_token_answers(tmp_path):
    env = clean_env(tmp_path)
    port = free_port()
    read_startup(["demo", "--port", str(port)], env, tmp_path, "try")
    process = subprocess.Popen(
        [*SCHEDULINGKIT, "demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = {}
        while "try" not in lines:
            key, _, value = process.stdout.readline().partition(":")
            lines[key.strip()] = value.strip()
        assert "kept from the last run with the same token" in lines["team"]
        headers = {"Authorization": f"Bearer {lines['token']}", "Accept": "application/json"}
        for _ in range(400):
            try:
                answer = httpx.get(f"{lines['base URL']}/team", headers=headers, timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise AssertionError("demo exited") from None
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.json()["data"]["name"] == "Demo Clinic"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
