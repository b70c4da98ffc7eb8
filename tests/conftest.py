"""Shared fixtures for the reference server's tests.

- `backend` / `database_url`: every server test runs on SQLite and on PostgreSQL (a database
  created for this test session from SCHEDULINGKIT_TEST_POSTGRES_URL, dropped at the end).
  The schema is migrated once per session; tests isolate themselves with a fresh team.
- `app` / `client`: the real app (response validation on) and Connexion's test client.
- `make_team(scopes=None, **team_fields)` -> (team_id, token); `team` is one such pair;
  `make_token(team_id, scopes=None)` -> another token of that team.
- `auth(token)` -> request headers; `api` (fresh team, all scopes) / `make_api(...)` send
  requests under `/api/v1` as a token: `api.get("/clients")`, `api.create("/taxes", {...})`.
- `as_team(team_id, work)` -> the result of `await work(db)` on a `TeamConnection` of that
  team (services called directly); `stored(statement)` -> rows read as they are stored, with
  a plain synchronous connection (no team scoping: say which team in the statement).

Services a test needs and that are missing are skipped locally and fail when CI is set, so
CI can never skip them silently.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from schedulingkit.impl.data import migrate
from schedulingkit.impl.data.db import Database, TeamConnection
from schedulingkit.impl.data.tokens import create_token
from schedulingkit.impl.services.team import create_team
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "SCHEDULINGKIT_TEST_POSTGRES_URL"
REDIS_ENV = "SCHEDULINGKIT_TEST_REDIS_URL"
BACKENDS = ("sqlite", "postgresql")
TEST_RATE_LIMIT = "100000/minute"  # high: only the rate-limit tests hit a limit
# The database deadline of the apps tests make (a 503 past it): longer than a deployment's
# 0.75 s, as a 2-core CI running tests in parallel can take that long for a statement; the
# deadline itself is tested in test_server_dependencies.py, at the default.
TEST_DATABASE_TIMEOUT = 10.0


def require_env(name: str) -> str:
    """The variable's value; skip without it, or fail when running in CI."""
    value = os.environ.get(name)
    if value:
        return value
    if os.environ.get("CI"):
        pytest.fail(f"{name} must be set when CI is set (see .ci/run)", pytrace=False)
    pytest.skip(f"{name} is not set")


def _admin_engine(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, migrated to head, dropped afterwards."""
    base = make_url(require_env(POSTGRES_ENV))
    name = f"{base.database}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = _admin_engine(base.render_as_string(hide_password=False))
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite") / "schedulingkit.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{backend}_url")


@pytest.fixture(scope="session")
def app(database_url: str):
    settings = Settings(
        database_url=database_url,
        rate_limit=TEST_RATE_LIMIT,
        validate_responses=True,
        database_timeout=TEST_DATABASE_TIMEOUT,
    )
    application = create_app(settings)
    yield application
    # the connections a request kept for the next one, then the pools
    asyncio.run(application.database.aclose())


@pytest.fixture(scope="session")
def client(app):
    with app.test_client() as test_client:
        yield test_client


def make_team_and_token(app, scopes: list[str] | None = None, **fields) -> tuple[int, str]:
    """A new team of the app's database (fields as keyword arguments) and a token."""
    name = fields.pop("name", f"Team {secrets.token_hex(4)}")
    with app.database.system_session() as session:
        new = create_team(session, name, **fields)
        return new.id, create_token(session, new.id, "tests", scopes).plaintext


@pytest.fixture
def make_team(app) -> Callable[..., tuple[int, str]]:
    """Factory: a new team (fields as keyword arguments) and a token with `scopes`."""

    def make(scopes: list[str] | None = None, **fields) -> tuple[int, str]:
        return make_team_and_token(app, scopes, **fields)

    return make


@pytest.fixture
def make_token(app) -> Callable[..., str]:
    """Factory: another token for an existing team."""

    def make(team_id: int, scopes: list[str] | None = None, name: str = "tests") -> str:
        with app.database.system_session() as session:
            return create_token(session, team_id, name, scopes).plaintext

    return make


@pytest.fixture
def team(make_team) -> tuple[int, str]:
    return make_team()


class Api:
    """Requests to `/api/v1` as one token: `api.get("/clients")`."""

    base = "/api/v1"

    def __init__(self, client, token: str, team_id: int | None = None) -> None:
        self.client, self.token, self.team_id = client, token, team_id
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def request(self, method: str, path: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, self.base + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json=None, **kwargs):
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def create(self, path: str, body: dict) -> dict:
        """POST that must succeed; the created resource."""
        response = self.post(path, body)
        assert response.status_code == 201, response.text
        return response.json()["data"]


@pytest.fixture
def api(client, team) -> Api:
    """An `Api` for a fresh team whose token has every scope."""
    return Api(client, team[1], team[0])


@pytest.fixture
def make_api(client, make_team) -> Callable[..., Api]:
    """Factory: an `Api` for another fresh team (`scopes`, team fields as for make_team)."""

    def make(scopes: list[str] | None = None, **fields) -> Api:
        team_id, token = make_team(scopes, **fields)
        return Api(client, token, team_id)

    return make


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    def headers(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    return headers


@pytest.fixture
def as_team(app) -> Callable[[int, Callable[[TeamConnection], Awaitable[Any]]], Any]:
    """Run `work(db)` as a team, on a connection of its own in an event loop of its own."""

    def run(team_id: int, work: Callable[[TeamConnection], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            database = Database(app.database.url)
            try:
                async with database.team(team_id) as db:
                    return await work(db)
            finally:
                await database.aclose()

        return asyncio.run(main())

    return run


@pytest.fixture
def stored(app) -> Callable[..., list]:
    """Rows of `statement` as stored (a plain synchronous connection, no team scoping)."""

    def read(statement, params: dict | None = None) -> list:
        with app.database.sync_engine.connect() as connection:
            return list(connection.execute(statement, params or {}))

    return read
