"""The floor the reference server is measured against: a bare Starlette app.

It answers the benchmarked endpoints with the same SQL the reference server runs (token
lookup by id and hash; the team's event count read from `team_event_counts`, kept by
triggers, as the server reads it for an unfiltered list, then one page ordered by
`(starts_at, id)`; one event by id; a client insert with its team default), the same
rate-limit bookkeeping (the `limits` library, fixed window, one hit and one window read per
request) and the same JSON shape, but with no OpenAPI routing, validation, middleware stack
or ORM. The ratio reference/bare is the price of those layers.

Run with `uvicorn benchmarks.bare_app:app_from_env --factory`; settings come from
`BENCH_BARE_DATABASE` (a SQLite file path) and `SCHEDULINGKIT_RATE_LIMIT`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BASE = "/api/v1"
TOKEN = re.compile(r"^(\d{1,18})\|([A-Za-z0-9]{40})([0-9a-f]{8})$")
# The statements the reference server's ORM emits (captured with `sqlalchemy.engine` logging),
# so both apps ask SQLite for exactly the same work.
EVENT_COLUMNS = (
    "id", "event_type_id", "client_id", "location_id", "title", "starts_at", "ends_at",
    "timezone", "status", "notes", "cancellation_reason", "recurrence", "team_id", "created_at",
    "updated_at",
)  # fmt: skip
TIME_FIELDS = ("starts_at", "ends_at", "created_at", "updated_at")
_SELECT_EVENT = "SELECT " + ", ".join(f"events.{c}" for c in EVENT_COLUMNS) + " FROM events"
TOKEN_SQL = (
    "SELECT api_tokens.team_id, api_tokens.token_hash, api_tokens.scopes, api_tokens.revoked_at"
    " FROM api_tokens WHERE api_tokens.id = ?"
)
COUNT_SQL = "SELECT team_event_counts.n FROM team_event_counts WHERE team_event_counts.team_id = ?"
PAGE_SQL = (
    f"{_SELECT_EVENT} WHERE events.team_id = ? ORDER BY events.starts_at ASC,"
    " events.id ASC LIMIT ? OFFSET ?"
)
EVENT_SQL = f"{_SELECT_EVENT} WHERE events.id = ? AND events.team_id = ?"
TEAM_SQL = (
    "SELECT teams.id, teams.name, teams.slug, teams.timezone, teams.currency,"
    " teams.invoice_prefix, teams.created_at, teams.updated_at FROM teams WHERE teams.id = ?"
)
INSERT_CLIENT_SQL = (
    "INSERT INTO clients (name, email, phone, timezone, notes, address, team_id, created_at,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_TAG_SQL = "INSERT INTO client_tags (client_id, position, tag) VALUES (?, ?, ?)"
CLIENT_FIELDS = ("name", "email", "phone", "timezone", "notes", "tags", "address")


class Refusal(Exception):
    """An error answer: status, message and headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"message": self.message}, self.status, self.headers)


@dataclass(frozen=True)
class Caller:
    team_id: int
    headers: dict[str, str]


class Pool:
    """A few reusable SQLite connections with the server's pragmas (WAL, foreign keys)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.idle: list[sqlite3.Connection] = []

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("PRAGMA busy_timeout=5000")
        return connection

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        connection = self.idle.pop() if self.idle else self._open()
        try:
            yield connection
        finally:
            self.idle.append(connection)


class RateLimit:
    """The reference server's bookkeeping: one fixed-window hit and one stats read, on the
    same `limits.aio` memory storage (no timer thread)."""

    def __init__(self, rate: str) -> None:
        self.item = parse(rate)
        self.strategy = FixedWindowRateLimiter(MemoryStorage())

    async def hit(self, token_id: int) -> dict[str, str]:
        key = f"schedulingkit:token:{token_id}"
        allowed = await self.strategy.hit(self.item, key)
        stats = await self.strategy.get_window_stats(self.item, key)
        headers = {
            "X-RateLimit-Limit": str(self.item.amount),
            "X-RateLimit-Remaining": str(stats.remaining),
        }
        if not allowed:
            raise Refusal(429, "Too Many Attempts.", headers)
        return headers


class BareApi:
    """The three benchmarked operations, written directly against sqlite3."""

    def __init__(self, database: str, rate: str) -> None:
        self.pool = Pool(database)
        self.limit = RateLimit(rate)

    async def authenticate(
        self, connection: sqlite3.Connection, request: Request, scope: str
    ) -> Caller:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        match = TOKEN.match(credentials.strip()) if scheme.lower() == "bearer" else None
        if match is None:
            raise Refusal(401, "Unauthenticated.", {"WWW-Authenticate": "Bearer"})
        token_id = int(match[1])
        row = connection.execute(TOKEN_SQL, (token_id,)).fetchone()
        presented = hashlib.sha256((match[2] + match[3]).encode()).hexdigest()
        if row is None or not hmac.compare_digest(row[1], presented) or row[3] is not None:
            raise Refusal(401, "Unauthenticated.", {"WWW-Authenticate": "Bearer"})
        scopes = json.loads(row[2])
        if "*" not in scopes and scope not in scopes:
            raise Refusal(403, f"This token lacks the scope {scope}.")
        return Caller(row[0], await self.limit.hit(token_id))

    async def list_events(self, request: Request) -> JSONResponse:
        with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "events:read")
            page, per_page = _page_args(request)
            counted = connection.execute(COUNT_SQL, (caller.team_id,)).fetchone()
            total = counted[0] if counted is not None else 0
            rows = connection.execute(
                PAGE_SQL, (caller.team_id, per_page, (page - 1) * per_page)
            ).fetchall()
        body = envelope([event_dict(row) for row in rows], total, page, per_page, request)
        return JSONResponse(body, headers=caller.headers)

    async def get_event(self, request: Request) -> JSONResponse:
        with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "events:read")
            event_id = _positive_int(request.path_params["id"], "id")
            row = connection.execute(EVENT_SQL, (event_id, caller.team_id)).fetchone()
        if row is None:
            raise Refusal(404, f"No event with id {event_id}.", caller.headers)
        return JSONResponse({"data": event_dict(row)}, headers=caller.headers)

    async def create_client(self, request: Request) -> JSONResponse:
        with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "clients:write")
            body = await _json_object(request)
            client = {"email": None, "phone": None, "notes": None, "tags": [], "address": None}
            client.update({k: v for k, v in body.items() if k in CLIENT_FIELDS})
            team = connection.execute(TEAM_SQL, (caller.team_id,)).fetchone()
            client.setdefault("timezone", team[3])
            client["id"], now = insert_client(connection, caller.team_id, client)
        data = {"id": client.pop("id"), **client, "created_at": now, "updated_at": now}
        return JSONResponse({"data": data}, 201, headers=caller.headers)


def insert_client(connection: sqlite3.Connection, team_id: int, client: dict) -> tuple[int, str]:
    """One transaction: the client row and its tag rows, like the ORM's flush and commit."""
    moment = datetime.now(UTC).replace(microsecond=0)
    stored, wire = moment.strftime("%Y-%m-%d %H:%M:%S.000000"), moment.strftime(_WIRE)
    address = json.dumps(client["address"]) if client["address"] is not None else None
    connection.execute("BEGIN")
    try:
        cursor = connection.execute(
            INSERT_CLIENT_SQL,
            (
                client["name"],
                client["email"],
                client["phone"],
                client["timezone"],
                client["notes"],
                address,
                team_id,
                stored,
                stored,
            ),
        )
        client_id = cursor.lastrowid
        connection.executemany(
            INSERT_TAG_SQL, [(client_id, i, tag) for i, tag in enumerate(client["tags"])]
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return client_id, wire


_WIRE = "%Y-%m-%dT%H:%M:%SZ"


def wire_time(stored: str | None) -> str | None:
    """`2026-03-16 08:00:00.000000` (SQLAlchemy's SQLite text) -> `2026-03-16T08:00:00Z`."""
    return None if stored is None else f"{stored[:10]}T{stored[11:19]}Z"


def event_dict(row: tuple) -> dict[str, Any]:
    """A row of `EVENT_SQL`/`PAGE_SQL` in the contract's `Event` shape."""
    event = dict(zip(EVENT_COLUMNS, row, strict=True))
    del event["team_id"]
    for name in TIME_FIELDS:
        event[name] = wire_time(event[name])
    if event["recurrence"] is not None:
        event["recurrence"] = json.loads(event["recurrence"])
    return event


def envelope(data: list[dict], total: int, page: int, per_page: int, request: Request) -> dict:
    """The Laravel paginator shape, as `impl/listing.py` builds it."""
    path = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]

    def url(n: int) -> str:
        return f"{path}?{urlencode([*items, ('page', str(n))])}"

    last_page = max(1, math.ceil(total / per_page))
    first = (page - 1) * per_page + 1
    return {
        "data": data,
        "links": {
            "first": url(1),
            "last": url(last_page),
            "prev": url(page - 1) if page > 1 else None,
            "next": url(page + 1) if page < last_page else None,
        },
        "meta": {
            "current_page": page,
            "from": first if data else None,
            "last_page": last_page,
            "per_page": per_page,
            "to": first + len(data) - 1 if data else None,
            "total": total,
            "path": path,
        },
    }


def _positive_int(raw: str, name: str, maximum: int = 2**63 - 1) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Refusal(400, f"The {name} field must be a positive integer.")
    return int(raw)


def _page_args(request: Request) -> tuple[int, int]:
    page = _positive_int(request.query_params.get("page", "1"), "page", 2147483647)
    per_page = _positive_int(request.query_params.get("per_page", "15"), "per_page", 100)
    return page, per_page


async def _json_object(request: Request) -> dict:
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise Refusal(400, "The request body is not valid JSON.") from exc
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise Refusal(422, "The name field is required.")
    return body


def create_bare_app(database: str, rate: str) -> Starlette:
    """The bare app over the SQLite file `database`, counting `rate` per token."""
    api = BareApi(database, rate)

    async def refused(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refusal)
        return exc.response()

    routes = [
        Route(f"{BASE}/events", api.list_events, methods=["GET"]),
        Route(f"{BASE}/events/{{id}}", api.get_event, methods=["GET"]),
        Route(f"{BASE}/clients", api.create_client, methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={Refusal: refused})


def app_from_env() -> Starlette:
    """Uvicorn factory: the database and rate limit from the environment."""
    return create_bare_app(
        os.environ["BENCH_BARE_DATABASE"], os.environ.get("SCHEDULINGKIT_RATE_LIMIT", "60/minute")
    )
