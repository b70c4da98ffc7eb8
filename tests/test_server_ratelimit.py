"""Rate limits: per token, fixed window, headers on every authenticated response, 429."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
import redis
from conftest import REDIS_ENV, require_env
from schedulingkit.impl.data.db import Database
from schedulingkit.impl.data.tokens import create_token
from schedulingkit.impl.services.team import create_team
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app


@pytest.fixture
def limited(database_url):
    """An app allowing 3 requests a minute per token, with its test client."""
    app = create_app(Settings(database_url=database_url, rate_limit="3/minute"))
    with app.test_client() as client:
        yield app, client
    app.database.dispose()


def test_headers_count_down_then_429(limited, make_team, auth):
    _, client = limited
    _, token = make_team()
    remaining = []
    for _ in range(3):
        response = client.get("/api/v1/team", headers=auth(token))
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]

    refused = client.get("/api/v1/team", headers=auth(token))
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too Many Attempts."}
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    reset = int(refused.headers["X-RateLimit-Reset"])
    assert abs(reset - (time.time() + retry_after)) <= 2


def test_error_responses_count_and_carry_headers(limited, make_team, auth):
    _, client = limited
    _, token = make_team()
    not_found = client.get("/api/v1/clients/99999", headers=auth(token))
    assert not_found.status_code == 404
    assert not_found.headers["X-RateLimit-Remaining"] == "2"
    invalid = client.post("/api/v1/clients", json={}, headers=auth(token))
    assert invalid.status_code == 422
    assert invalid.headers["X-RateLimit-Remaining"] == "1"
    bad_param = client.get("/api/v1/clients?page=0", headers=auth(token))
    assert bad_param.status_code == 400
    assert bad_param.headers["X-RateLimit-Remaining"] == "0"
    assert client.get("/api/v1/clients", headers=auth(token)).status_code == 429


def test_limits_are_per_token(limited, make_team, make_token, auth):
    _, client = limited
    team_id, first = make_team()
    second = make_token(team_id)
    for _ in range(3):
        client.get("/api/v1/team", headers=auth(first))
    assert client.get("/api/v1/team", headers=auth(first)).status_code == 429
    fresh = client.get("/api/v1/team", headers=auth(second))
    assert fresh.status_code == 200
    assert fresh.headers["X-RateLimit-Remaining"] == "2"


def test_forbidden_responses_carry_headers_without_counting(limited, make_team, auth):
    _, client = limited
    _, token = make_team(scopes=["clients:read"])
    forbidden = client.get("/api/v1/taxes", headers=auth(token))
    assert forbidden.status_code == 403
    assert forbidden.headers["X-RateLimit-Limit"] == "3"
    assert forbidden.headers["X-RateLimit-Remaining"] == "3"
    assert (
        client.get("/api/v1/clients", headers=auth(token)).headers["X-RateLimit-Remaining"] == "2"
    )


SCHEDULINGKIT = [sys.executable, "-c", "from schedulingkit.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int, env: dict[str, str]) -> subprocess.Popen:
    command = [*SCHEDULINGKIT, "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode())
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/nowhere", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"server on port {port} did not start")


def test_two_processes_share_one_limit_through_redis(sqlite_url, auth):
    redis_url = require_env(REDIS_ENV)
    redis.Redis.from_url(redis_url).flushdb()
    database = Database(sqlite_url)
    with database.system_session() as session:
        token = create_token(session, create_team(session, "Shared limit").id, "t").plaintext
    database.dispose()
    env = {
        **os.environ,
        "SCHEDULINGKIT_DATABASE_URL": sqlite_url,
        "SCHEDULINGKIT_REDIS_URL": redis_url,
        "SCHEDULINGKIT_RATE_LIMIT": "5/minute",
    }
    ports = [_free_port(), _free_port()]
    servers = [_start_server(port, env) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_ready(port, server)
        statuses, remaining = [], []
        for i in range(7):
            port = ports[i % 2]
            response = httpx.get(f"http://127.0.0.1:{port}/api/v1/team", headers=auth(token))
            statuses.append(response.status_code)
            remaining.append(response.headers["X-RateLimit-Remaining"])
        assert statuses == [200, 200, 200, 200, 200, 429, 429]
        assert remaining == ["4", "3", "2", "1", "0", "0", "0"]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=15)
