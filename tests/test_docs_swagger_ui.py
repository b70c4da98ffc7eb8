"""Swagger UI on the reference server, in headless Chromium: a real `schedulingkit serve`
process on a fresh SQLite file with a seeded team, driven by tests/swagger_ui_check.mjs
(playwright-core). It lists every operation, authorizes with a token and runs "Try it out"
on `GET /clients`. The screenshot is kept in artifacts/swagger-ui.png."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from docs_helpers import REPO_ROOT, operations, require
from schedulingkit.openapi import document_path
from schedulingkit.openapi.contract import load_yaml

SCRIPT = Path(__file__).with_name("swagger_ui_check.mjs")
SCREENSHOT = REPO_ROOT / "artifacts" / "swagger-ui.png"
CLI = [sys.executable, "-c", "from schedulingkit.cli import main; main()"]
START_TIMEOUT_SECONDS = 60
BROWSER_TIMEOUT_SECONDS = 180
TRIED_PATH, TRIED_METHOD = "/clients", "get"


@dataclass(frozen=True)
class Server:
    base_url: str
    token: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_cli(*args: str, env: dict[str, str]) -> str:
    """Run `schedulingkit ARGS`; its last output line (the id or token the command prints)."""
    done = subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"schedulingkit {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout.strip().splitlines()[-1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    status = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            status = httpx.get(url, timeout=2).status_code
        except httpx.TransportError:
            time.sleep(0.3)
            continue
        if status == 200:
            return
        break  # the server is up and refuses: waiting will not help
    pytest.fail(f"{url} did not answer 200 (status {status}):\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """A migrated SQLite file, a team with demo data and a token, served by uvicorn."""
    folder = tmp_path_factory.mktemp("swagger-ui")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULINGKIT_")}
    env["SCHEDULINGKIT_DATABASE_URL"] = f"sqlite:///{folder / 'swagger-ui.sqlite3'}"
    run_cli("db", "upgrade", env=env)
    team_id = run_cli("team", "create", "Swagger UI Clinic", env=env)
    token = run_cli("token", "create", "--team", team_id, "--name", "swagger-ui", env=env)
    run_cli("seed", "--team", team_id, env=env)
    port = free_port()
    log = folder / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        base_url = f"http://127.0.0.1:{port}/api/v1"
        wait_until_serving(f"{base_url}/ui/", process, log)
        yield Server(base_url=base_url, token=token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def browser_tools() -> tuple[str, str]:
    """(node, chromium) executables, skipping (failing under CI) when one is missing."""
    node = shutil.which("node")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    require(node is not None, "node is not installed")
    require(Path(chromium).is_file(), "chromium is not installed")
    require(
        (REPO_ROOT / "node_modules" / "playwright-core").is_dir(),
        "playwright-core is not installed (npm install --no-save playwright-core)",
    )
    return str(node), chromium


def test_swagger_ui_lists_authorizes_and_tries_out_get_clients(server):
    node, chromium = browser_tools()
    document = load_yaml(document_path())
    expected = sorted(f"{method.upper()} {path}" for path, method, _ in operations(document))
    tried = document["paths"][TRIED_PATH][TRIED_METHOD]
    element_id = f"operations-{tried['tags'][0].replace(' ', '_')}-{tried['operationId']}"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)

    done = subprocess.run(
        [node, str(SCRIPT), f"{server.base_url}/ui/", server.token, element_id, str(SCREENSHOT)],
        env={**os.environ, "CHROMIUM": chromium},
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    assert seen["operations"] == len(expected)
    assert sorted(seen["operationPaths"]) == expected
    assert seen["authorized"] is True
    assert f"Authorization: Bearer {server.token}" in seen["curl"]
    assert seen["requestUrl"] == f"{server.base_url}{TRIED_PATH}"
    assert seen["status"] == 200
    shown = json.loads(seen["body"])
    direct = httpx.get(
        f"{server.base_url}{TRIED_PATH}",
        headers={"Authorization": f"Bearer {server.token}", "Accept": "application/json"},
    ).json()
    assert shown["data"], "the seeded team has clients"
    assert [client["id"] for client in shown["data"]] == [client["id"] for client in direct["data"]]
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert SCREENSHOT.stat().st_size > 20_000
