"""The reference server in a real process: started, waited for, stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(command: list[str], env: dict[str, str], log: Path, probe: str) -> Iterator[int]:
    """Run `command` (its output in `log`) until the block ends; ready once `probe` answers
    at all. Yields the process id; a process that exits or never answers fails with its log."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited:\n{log.read_text()}")
            try:
                httpx.get(probe, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def uvicorn_server(settings: dict[str, str], log: Path, workers: int = 1) -> Iterator[str]:
    """`uvicorn schedulingkit.impl.asgi:create` with `settings` (SCHEDULINGKIT_* variables)
    and nothing else of this environment's; its base URL until the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULINGKIT_")}
    env.update(settings)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "schedulingkit.impl.asgi:create", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    with serving(command, env, log, f"{base}/up"):
        yield base
