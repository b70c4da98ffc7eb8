"""One-step vendor setup: `schedulingkit conformance setup` and `schedulingkit demo
--conformance` create the other-team and limited tokens and print a command that runs, as
printed, against the server they were made on."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading

from click.testing import CliRunner

from schedulingkit.cli import cli
from tests.test_server_cli import _free_port, _stop, _wait

SCHEDULINGKIT = [sys.executable, "-c", "from schedulingkit.cli import main; main()"]
# rules that need each of the three tokens, and pass only when they are what setup says
RULES = "SCOPE-001,SCOPE-002,TEN-002,AUTH-001"


def exports(lines: list[str]) -> dict[str, str]:
    """The `export NAME=value` lines, read as a shell would."""
    found = {}
    for line in lines:
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            found[name] = shlex.split(value)[0]
    return found


def run_printed_command(env: dict[str, str], command: str, base_url: str, tmp_path) -> str:
    """The printed command, with the printed environment, limited to `RULES`."""
    args = shlex.split(command)
    assert args[:2] == ["schedulingkit", "conformance"]
    assert not any(value in command for value in env.values() if "|" in value)  # no tokens
    done = subprocess.run(
        [*SCHEDULINGKIT, *args[1:], "--base-url", base_url, "--rules", RULES],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return done.stdout


def test_setup_creates_the_three_tokens_and_the_printed_run_passes(tmp_path):
    url = f"sqlite:///{tmp_path / 'setup.sqlite3'}"
    result = CliRunner().invoke(
        cli, ["conformance", "setup"], env={"SCHEDULINGKIT_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    # `setup > conformance.env; . ./conformance.env` only exports: the run is printed apart
    assert all(line.startswith(("export ", "# ")) for line in lines), lines
    command = result.stderr.strip().splitlines()[-1]
    env = exports(lines)
    assert set(env) == {
        "SK_BASE_URL",
        "SK_TOKEN",
        "SK_OTHER_TEAM_TOKEN",
        "SK_LIMITED_TOKEN",
        "SK_LIMITED_SCOPES",
    }
    assert env["SK_LIMITED_SCOPES"] == "clients:read,taxes:read"
    assert command.startswith("schedulingkit conformance")
    port = _free_port()
    server = subprocess.Popen(
        [*SCHEDULINGKIT, "serve", "--port", str(port)],
        env={
            **os.environ,
            "SCHEDULINGKIT_DATABASE_URL": url,
            "SCHEDULINGKIT_RATE_LIMIT": "5000/minute",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        _wait(f"{base}/team", server)
        output = run_printed_command(env, command, base, tmp_path)
        assert "4 passed, 0 failed, 0 skipped" in output
    finally:
        _stop(server)


def test_setup_refuses_an_unknown_team_or_scope(tmp_path):
    env = {"SCHEDULINGKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'setup.sqlite3'}"}
    unknown_team = CliRunner().invoke(cli, ["conformance", "setup", "--team", "99"], env=env)
    assert unknown_team.exit_code != 0 and "no team with id 99" in unknown_team.output
    bad_scope = CliRunner().invoke(
        cli, ["conformance", "setup", "--limited-scopes", "clients:rd"], env=env
    )
    assert bad_scope.exit_code != 0 and "unknown scope(s) clients:rd" in bad_scope.output


def test_demo_conformance_prints_a_run_that_passes_against_the_demo(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULINGKIT_")}
    env["SCHEDULINGKIT_RATE_LIMIT"] = "5000/minute"
    demo = subprocess.Popen(
        [*SCHEDULINGKIT, "demo", "--conformance", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines: list[str] = []
        while not lines or not lines[-1].startswith("schedulingkit conformance"):
            line = demo.stdout.readline()
            assert line, f"demo exited before printing the command: {lines}"
            lines.append(line.strip())
        # keep reading what the demo prints (uvicorn's access log): a full pipe would block it
        threading.Thread(target=demo.stdout.read, daemon=True).start()
        base = f"http://127.0.0.1:{port}/api/v1"
        printed = exports(lines)
        assert printed["SK_BASE_URL"] == base
        _wait(f"{base}/team", demo)
        output = run_printed_command(printed, lines[-1], base, tmp_path)
        assert "4 passed, 0 failed, 0 skipped" in output
    finally:
        _stop(demo)
