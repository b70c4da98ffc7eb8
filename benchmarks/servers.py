"""Start and stop the two servers under test: same uvicorn, one worker, 127.0.0.1 only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from .dataset import Dataset, sqlite_url

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
UVICORN_FLAGS = ("--workers", "1", "--no-access-log", "--log-level", "warning")
REFERENCE_FACTORY = "schedulingkit.impl.app:create_app"
BARE_FACTORY = "benchmarks.bare_app:app_from_env"


@dataclass
class RunningServer:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Stop this server (and only it): SIGTERM, then SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(
    name: str, factory: str, env: dict[str, str], dataset: Dataset, log_dir: Path
) -> RunningServer:
    """`uvicorn --factory` in its own process; returns once it answers an authenticated GET."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{dataset.events}.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        HOST,
        "--port",
        str(port),
        *UVICORN_FLAGS,
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
    server = RunningServer(name, port, process, log_path)
    try:
        wait_until_ready(server, dataset.token)
    except BaseException:
        server.stop()
        raise
    return server


def start_reference(dataset: Dataset, rate_limit: str, log_dir: Path) -> RunningServer:
    env = {
        "SCHEDULINGKIT_DATABASE_URL": sqlite_url(dataset.path),
        "SCHEDULINGKIT_RATE_LIMIT": rate_limit,
        "SCHEDULINGKIT_REDIS_URL": "",
    }
    return start_server("reference", REFERENCE_FACTORY, env, dataset, log_dir)


def start_bare(dataset: Dataset, rate_limit: str, log_dir: Path) -> RunningServer:
    env = {"BENCH_BARE_DATABASE": str(dataset.path), "SCHEDULINGKIT_RATE_LIMIT": rate_limit}
    return start_server("bare", BARE_FACTORY, env, dataset, log_dir)


def wait_until_ready(server: RunningServer, token: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: see {server.log_path}")
        try:
            answer = httpx.get(f"{server.base_url}/api/v1/events?per_page=1", headers=headers)
            if answer.status_code == 200:
                return
            raise RuntimeError(f"{server.name} answered {answer.status_code}: {answer.text[:300]}")
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError(f"{server.name} did not start in {timeout:.0f}s: see {server.log_path}")
