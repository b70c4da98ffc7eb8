"""Start and stop the two servers under test: uvicorn, N workers, 127.0.0.1 only; on
PostgreSQL each one behind its own latency proxy, so its database round trips are counted
apart and the delay can change without a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from .dataset import Dataset
from .latency_proxy import Counters, ProxyProcess

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REFERENCE_FACTORY = "schedulingkit.impl.asgi:create"  # what `schedulingkit serve` runs
BARE_FACTORY = "benchmarks.bare_app:app_from_env"
STARTED = "Application startup complete"  # uvicorn logs it once per worker
APPS = ("reference", "bare")


@dataclass
class RunningServer:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    proxy: ProxyProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Stop this server (and only it): SIGTERM, then SIGKILL if it hangs; then its proxy."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.proxy is not None:
            self.proxy.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_env(name: str, database_url: str, rate_limit: str, redis_url: str | None) -> dict:
    """The environment each app reads its database, rate limit and Redis from."""
    shared = {"SCHEDULINGKIT_RATE_LIMIT": rate_limit, "SCHEDULINGKIT_REDIS_URL": redis_url or ""}
    if name == "reference":
        return {**shared, "SCHEDULINGKIT_DATABASE_URL": database_url}
    return {**shared, "BENCH_BARE_DATABASE_URL": database_url}


def start_server(
    name: str,
    database_url: str,
    dataset: Dataset,
    settings: ServerSettings,
    proxy: ProxyProcess | None = None,
) -> RunningServer:
    """`uvicorn --factory` in its own process; returns once every worker has started and one
    answers an authenticated GET."""
    port = free_port()
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.log_dir / f"{name}-{dataset.backend}-{dataset.events}.log"
    factory = REFERENCE_FACTORY if name == "reference" else BARE_FACTORY
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", factory),
        *("--host", HOST, "--port", str(port), "--workers", str(settings.workers)),
        *("--no-access-log", "--log-level", "info", "--timeout-worker-healthcheck", "60"),
    ]
    env = {**os.environ, **server_env(name, database_url, settings.rate_limit, settings.redis)}
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(name, port, process, log_path, proxy)
    try:
        wait_until_ready(server, dataset.token, settings.workers)
    except BaseException:
        server.stop()
        raise
    return server


@dataclass(frozen=True)
class ServerSettings:
    workers: int
    rate_limit: str
    log_dir: Path
    redis: str | None = None


def wait_until_ready(server: RunningServer, token: str, workers: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: see {server.log_path}")
        if server.log_path.read_text(errors="replace").count(STARTED) >= workers:
            try:
                answer = httpx.get(f"{server.base_url}/api/v1/events?per_page=1", headers=headers)
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.status_code == 200:
                return
            if answer is not None:
                raise RuntimeError(f"{server.name} answered {answer.status_code}: {answer.text}")
        time.sleep(0.2)
    raise TimeoutError(f"{server.name} did not start in {timeout:.0f}s: see {server.log_path}")


def through_proxy(url: str, proxy: ProxyProcess) -> str:
    return make_url(url).set(host=HOST, port=proxy.port).render_as_string(hide_password=False)


@dataclass
class Deployment:
    """Both apps on the same database copy; on PostgreSQL each one reaches it through its
    own latency proxy."""

    dataset: Dataset
    settings: ServerSettings
    servers: dict[str, RunningServer] = field(default_factory=dict)

    def __enter__(self) -> Deployment:
        try:
            for name in APPS:
                url, proxy = self.dataset.url, None
                if self.dataset.backend == "postgresql":
                    parsed = make_url(url)
                    proxy = ProxyProcess((parsed.host or HOST, parsed.port or 5432))
                    url = through_proxy(url, proxy)
                try:
                    server = start_server(name, url, self.dataset, self.settings, proxy)
                except BaseException:
                    if proxy is not None:
                        proxy.stop()
                    raise
                self.servers[name] = server
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    @property
    def proxied(self) -> bool:
        return self.dataset.backend == "postgresql"

    def set_delay(self, delay_ms: float) -> None:
        for server in self.servers.values():
            if server.proxy is not None:
                server.proxy.set_delay(delay_ms)

    def counters(self, name: str) -> Counters | None:
        proxy = self.servers[name].proxy
        return proxy.stats() if proxy is not None else None
