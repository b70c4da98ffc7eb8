"""The `schedulingkit` server commands: administration through click, serving through a
real uvicorn process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner
from schedulingkit.impl.data import migrate

from schedulingkit.cli import cli

SCHEDULINGKIT = [sys.executable, "-c", "from schedulingkit.cli import main; main()"]


@pytest.fixture
def run(tmp_path):
    """Invoke a command against a fresh SQLite file; returns the click result."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), env={"SCHEDULINGKIT_DATABASE_URL": url})

    invoke.url = url
    return invoke


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


@pytest.mark.parametrize("command", ["serve", "db", "team", "token", "seed", "demo"])
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_db_upgrade_reaches_head(run):
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert migrate.current_revision(run.url) == migrate.head_revision()


def test_team_token_lifecycle(run):
    run("db", "upgrade")
    created = run("team", "create", "Acme Physio", "--timezone", "Europe/Paris")
    assert created.exit_code == 0, created.output
    team_id = last_line(created.output)
    assert team_id.isdigit()

    token_result = run("token", "create", "--team", team_id, "--name", "CRM", "--scopes",
                       "clients:read,clients:write")  # fmt: skip
    assert token_result.exit_code == 0, token_result.output
    token = last_line(token_result.output)
    assert re.fullmatch(r"\d+\|[A-Za-z0-9]{40}[0-9a-f]{8}", token)

    listed = run("token", "list", "--team", team_id)
    assert listed.exit_code == 0
    assert "CRM" in listed.output and "clients:read,clients:write" in listed.output
    assert token.split("|")[1] not in listed.output
    assert "active" in listed.output

    token_id = token.split("|")[0]
    assert run("token", "revoke", token_id).exit_code == 0
    assert "revoked" in run("token", "list", "--team", team_id).output


def test_team_list_shows_every_team_and_its_active_tokens(run):
    run("db", "upgrade")
    first = last_line(run("team", "create", "Acme Physio", "--currency", "EUR").output)
    second = last_line(run("team", "create", "Bright Dental").output)
    for _ in range(2):
        run("token", "create", "--team", first, "--name", "t")
    revoked = last_line(run("token", "create", "--team", second, "--name", "t").output)
    run("token", "revoke", revoked.split("|")[0])
    listed = run("team", "list")
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.output.strip().splitlines()
    assert header.split()[:3] == ["ID", "NAME", "SLUG"]
    assert re.match(rf"\s*{first}\s+Acme Physio\s+acme-physio\s+UTC\s+EUR\s+2\s", rows[0])
    assert re.match(rf"\s*{second}\s+Bright Dental\s+bright-dental\s+UTC\s+USD\s+0\s", rows[1])


def test_seed_fills_every_simple_resource(run):
    run("db", "upgrade")
    team_id = last_line(run("team", "create", "Seeded").output)
    result = run("seed", "--team", team_id)
    assert result.exit_code == 0, result.output
    counts = dict(
        (name, int(n)) for n, name in re.findall(r"(\d+) ([a-z ]+?)(?:,|$)", result.output)
    )
    for resource in ("event types", "clients", "locations", "workflows", "taxes"):
        assert counts[resource] >= 3, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "create", "--team", "999", "--name", "x"], "no team with id 999"),
        (["token", "create", "--team", "1", "--name", "x", "--scopes", "root"], "unknown scope"),
        (["token", "create", "--name", "x"], "Missing option '--team'"),
        (["token", "revoke", "424242"], "no token with id 424242"),
        (["seed", "--team", "999"], "no team with id 999"),
        (["team", "create", "X", "--timezone", "Mars/Base"], "valid timezone"),
        (["team", "create", "X", "--currency", "euro"], "currency"),
        (["serve", "--port", "0"], "Invalid value for '--port'"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_message(run, args, message):
    run("db", "upgrade")
    run("team", "create", "One")
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read().decode() if process.stdout else "exited")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_migrates_then_answers_with_two_workers(run):
    port = _free_port()
    env = {**os.environ, "SCHEDULINGKIT_DATABASE_URL": run.url}
    server = subprocess.Popen(
        [*SCHEDULINGKIT, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/api/v1/ui/", server)
        team_id = last_line(run("team", "create", "Served").output)
        token = last_line(run("token", "create", "--team", team_id, "--name", "t").output)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        base = f"http://127.0.0.1:{port}/api/v1"
        created = httpx.post(f"{base}/clients", json={"name": "Ada"}, headers=headers)
        assert created.status_code == 201
        for _ in range(4):  # whichever worker answers sees the same database
            listed = httpx.get(f"{base}/clients", headers=headers)
            assert listed.status_code == 200
            assert listed.json()["meta"]["total"] == 1
            assert listed.json()["meta"]["path"] == f"{base}/clients"
        assert httpx.get(f"{base}/team").status_code == 401
    finally:
        _stop(server)


def test_demo_prints_a_working_token_and_serves(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULINGKIT_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    (tmp_path / "elsewhere").mkdir()
    demo = subprocess.Popen(
        [*SCHEDULINGKIT, "demo", "--port", str(port)],
        cwd=tmp_path / "elsewhere",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = {}
        while "try" not in lines:
            line = demo.stdout.readline()
            assert line, "demo exited before printing its instructions"
            key, _, value = line.partition(":")
            lines[key.strip()] = value.strip()
        database = tmp_path / "data" / "schedulingkit" / "schedulingkit.sqlite3"
        assert database.exists()
        assert not list((tmp_path / "elsewhere").iterdir())  # nothing in the current directory
        assert lines["database"].startswith(f"sqlite:///{database} (the default")
        base = f"http://127.0.0.1:{port}/api/v1"
        assert lines["base URL"] == base
        assert lines["Swagger UI"] == f"{base}/ui/"
        token = lines["token"]
        assert token in lines["try"] and lines["try"].startswith("curl ")
        _wait(f"{base}/ui/", demo)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        event_types = httpx.get(f"{base}/event-types", headers=headers)
        assert event_types.status_code == 200
        assert event_types.json()["meta"]["total"] >= 3
        assert httpx.get(f"{base}/ui/").status_code == 200
    finally:
        _stop(demo)
