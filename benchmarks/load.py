"""One load generator for both servers: wrk when installed, else a bounded httpx generator.

Each endpoint is a `Target` (method, path, optional body, optional id range); the generator
keeps a fixed number of connections busy for a fixed time against 127.0.0.1 only and
reports a `Measurement` (requests/s, p50/p99 latency, error counts).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    """A request to repeat; `{id}` in the path is replaced by a random id from `ids`."""

    label: str
    method: str
    path: str
    body: dict | None = None
    ids: tuple[int, int] | None = None


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers plus socket errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class LoadSettings:
    duration: float
    connections: int
    token: str
    loader: str  # "wrk" or "httpx"


def pick_loader(preference: str = "auto") -> str:
    """`wrk` when asked for or found on PATH, else the httpx generator."""
    if preference == "auto":
        return "wrk" if shutil.which("wrk") else "httpx"
    if preference == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk), try --loader httpx")
    return preference


def run_load(base_url: str, target: Target, settings: LoadSettings) -> Measurement:
    """Drive `base_url` (must be 127.0.0.1) with `target` for `settings.duration` seconds."""
    if not base_url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks only load 127.0.0.1")
    if settings.loader == "wrk":
        return _run_wrk(base_url, target, settings)
    return _run_httpx(base_url, target, settings)


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def wrk_script(target: Target, token: str) -> str:
    """A wrk Lua script: headers, method/body, random ids, and a JSON summary at the end."""
    lines = [
        f'wrk.method = "{target.method}"',
        f'wrk.headers["Authorization"] = {_lua_string("Bearer " + token)}',
        'wrk.headers["Accept"] = "application/json"',
    ]
    if target.body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {_lua_string(json.dumps(target.body))}")
    if target.ids is not None:
        first, last = target.ids
        path = target.path.replace("{id}", "%d")
        lines += [
            "math.randomseed(42)",
            "request = function()",
            f"  return wrk.format(nil, string.format({_lua_string(path)}, "
            f"math.random({first}, {last})))",
            "end",
        ]
    lines += [
        "done = function(summary, latency, requests)",
        "  local e = summary.errors",
        '  io.write(string.format("BENCH %d %d %d %d %d\\n", summary.requests, summary.duration,',
        "    e.status + e.connect + e.read + e.write + e.timeout,",
        "    latency:percentile(50), latency:percentile(99)))",
        "end",
    ]
    return "\n".join(lines) + "\n"


def _run_wrk(base_url: str, target: Target, settings: LoadSettings) -> Measurement:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(target, settings.token))
    try:
        url = base_url + (target.path if target.ids is None else "")
        command = [
            "wrk",
            "-t1",
            f"-c{settings.connections}",
            f"-d{max(1, round(settings.duration))}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            url,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=settings.duration + 60
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    requests, micros, failures, p50, p99 = (int(x) for x in line.split()[1:])
    return Measurement(requests, micros / 1e6, p50 / 1000, p99 / 1000, failures)


def _run_httpx(base_url: str, target: Target, settings: LoadSettings) -> Measurement:
    """The httpx generator in its own process, so it does not share the caller's GIL."""
    job = {
        "base_url": base_url,
        "method": target.method,
        "path": target.path,
        "body": target.body,
        "ids": target.ids,
        "token": settings.token,
        "duration": settings.duration,
        "connections": settings.connections,
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.httpx_load"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=settings.duration + 60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"httpx generator failed: {done.stderr}")
    result = json.loads(done.stdout)
    return Measurement(**result)
