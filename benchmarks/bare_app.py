"""The floor the reference server is measured against: a bare Starlette app.

It answers the benchmarked operations (listEvents, getEvent, listClients, createClient,
listInvoices, createInvoice) with the statements of `bare_sql.py` on an async driver
(`bare_db.py`: aiosqlite or psycopg 3, autocommit, a small pool), the same token check (one
row by id, SHA-256 compared in constant time, scopes), the same rate-limit bookkeeping (the
`limits.aio` fixed window: one hit and one window read per request) and the same JSON shape,
priced with the server's own invoice arithmetic (`domain.invoicing`), but with no OpenAPI
routing, validation, middleware stack or ORM. The ratio reference/bare is the price of those
layers.

Run with `uvicorn benchmarks.bare_app:app_from_env --factory`; settings come from
`BENCH_BARE_DATABASE_URL` (a SQLAlchemy URL: `sqlite:///file` or
`postgresql+psycopg://...`), `SCHEDULINGKIT_RATE_LIMIT`, `SCHEDULINGKIT_REDIS_URL` and
`BENCH_BARE_POOL_SIZE`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from schedulingkit.impl.domain.invoicing import LineTotals, TaxRule, invoice_totals, line_totals
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import bare_sql as sql
from .bare_db import POOL_SIZE, Connection, Pool, pool_for
from .bare_sql import Dialect

BASE = "/api/v1"
TOKEN = re.compile(r"^(\d{1,18})\|([A-Za-z0-9]{40})([0-9a-f]{8})$")
TIME_FIELDS = ("starts_at", "ends_at", "created_at", "updated_at")


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
    timezone: str
    currency: str
    invoice_prefix: str
    headers: dict[str, str]


class RateLimit:
    """The reference server's bookkeeping: one fixed-window hit and one stats read, on
    `limits.aio` storage (in memory, or Redis when `redis_url` is set)."""

    def __init__(self, rate: str, redis_url: str | None = None) -> None:
        self.item = parse(rate)
        storage = (  # as the server builds it (redis-py's asyncio client, timeouts set)
            RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                wrap_exceptions=True,
                socket_timeout=2,
                socket_connect_timeout=2,
            )
            if redis_url
            else MemoryStorage()
        )
        self.strategy = FixedWindowRateLimiter(storage)

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
    """The six benchmarked operations, written directly against the driver."""

    def __init__(
        self, url: str, rate: str, redis_url: str | None = None, pool_size: int = POOL_SIZE
    ) -> None:
        self.pool: Pool
        self.dialect: Dialect
        self.pool, self.dialect = pool_for(url, pool_size)
        self.limit = RateLimit(rate, redis_url)
        d = self.dialect
        self.token_sql = d.sql(sql.TOKEN)
        self.event_count_sql = d.sql(sql.EVENT_COUNT)
        self.event_page_sql = d.sql(sql.EVENT_PAGE)
        self.event_sql = d.sql(sql.EVENT_BY_ID)
        self.client_count_sql = d.sql(sql.CLIENT_COUNT)
        self.client_page_sql = d.sql(d.client_page)
        self.invoice_count_sql = d.sql(sql.INVOICE_COUNT)
        self.invoice_page_sql = d.sql(d.invoice_page)
        self.sequence_sql = d.sql(sql.INVOICE_SEQUENCE)
        self.invoice_insert_sql = d.sql(sql.INVOICE_INSERT)
        self.number_last_sql = d.sql(sql.INVOICE_NUMBER_LAST)

    async def authenticate(self, connection: Connection, request: Request, scope: str) -> Caller:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        match = TOKEN.match(credentials.strip()) if scheme.lower() == "bearer" else None
        if match is None:
            raise Refusal(401, "Unauthenticated.", {"WWW-Authenticate": "Bearer"})
        token_id = int(match[1])
        rows = await connection.all(self.token_sql, (token_id,))
        presented = hashlib.sha256((match[2] + match[3]).encode()).hexdigest()
        row = rows[0] if rows else None
        if row is None or not hmac.compare_digest(row[1], presented) or row[3] is not None:
            raise Refusal(401, "Unauthenticated.", {"WWW-Authenticate": "Bearer"})
        scopes = self.dialect.json_value(row[2])
        if "*" not in scopes and scope not in scopes:
            raise Refusal(403, f"This token lacks the scope {scope}.")
        return Caller(row[0], row[4], row[5], row[6], await self.limit.hit(token_id))

    # -- reads ------------------------------------------------------------------------------
    async def list_events(self, request: Request) -> JSONResponse:
        async with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "events:read")
            page, per_page = _page_args(request)
            counted = await connection.all(self.event_count_sql, (caller.team_id,))
            rows = await connection.all(
                self.event_page_sql, (caller.team_id, per_page, (page - 1) * per_page)
            )
        total = counted[0][0] if counted else 0
        data = [self.event_dict(row) for row in rows]
        return JSONResponse(envelope(data, total, page, per_page, request), headers=caller.headers)

    async def get_event(self, request: Request) -> JSONResponse:
        async with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "events:read")
            event_id = _positive_int(request.path_params["id"], "id")
            rows = await connection.all(self.event_sql, (event_id, caller.team_id))
        if not rows:
            raise Refusal(404, f"No event with id {event_id}.", caller.headers)
        return JSONResponse({"data": self.event_dict(rows[0])}, headers=caller.headers)

    async def list_clients(self, request: Request) -> JSONResponse:
        async with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "clients:read")
            page, per_page = _page_args(request)
            counted = await connection.all(self.client_count_sql, (caller.team_id,))
            rows = await connection.all(
                self.client_page_sql, (caller.team_id, per_page, (page - 1) * per_page)
            )
        data = [self.client_dict(row[:-1], self.dialect.json_value(row[-1])) for row in rows]
        body = envelope(data, counted[0][0], page, per_page, request)
        return JSONResponse(body, headers=caller.headers)

    async def list_invoices(self, request: Request) -> JSONResponse:
        async with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "invoices:read")
            page, per_page = _page_args(request)
            counted = await connection.all(self.invoice_count_sql, (caller.team_id,))
            rows = await connection.all(
                self.invoice_page_sql, (caller.team_id, per_page, (page - 1) * per_page)
            )
        data = [self.invoice_dict(row[:-1], self.dialect.invoice_items(row[-1])) for row in rows]
        body = envelope(data, counted[0][0], page, per_page, request)
        return JSONResponse(body, headers=caller.headers)

    # -- writes -----------------------------------------------------------------------------
    async def create_client(self, request: Request) -> JSONResponse:
        body = await _json_object(request, "name")
        d = self.dialect
        async with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "clients:write")
            now = d.stored_time(datetime.now(UTC))
            given = {k: body[k] for k in sql.CLIENT_OPTIONAL if body.get(k) is not None}
            if "address" in given:
                given["address"] = d.stored_json(given["address"])
            stored = {
                "name": body["name"],
                **given,
                "timezone": body.get("timezone") or caller.timezone,
                "team_id": caller.team_id,
                "created_at": now,
                "updated_at": now,
            }
            insert = d.sql(sql.client_insert(tuple(stored)))
            tags = body.get("tags") or []
            if not tags:
                [row] = await connection.all(insert, list(stored.values()))
            else:
                async with transaction(connection, d):
                    [row] = await connection.all(insert, list(stored.values()))
                    rows = [x for i, tag in enumerate(tags) for x in (row[0], i, tag)]
                    await connection.all(d.sql(sql.client_tags_insert(len(tags))), rows)
        data = self.client_dict(row, tags)
        return JSONResponse({"data": data}, 201, headers=caller.headers)

    async def create_invoice(self, request: Request) -> JSONResponse:
        body = await _json_object(request, "client_id", "items")
        items = body["items"]
        if not isinstance(items, list) or not items:
            raise Refusal(422, "The items field is required.")
        d = self.dialect
        async with self.pool.connection() as connection:
            caller = await self.authenticate(connection, request, "invoices:write")
            named = sorted({t for item in items for t in item.get("tax_ids") or ()})
            params = d.invoice_check_params(
                caller.team_id, body["client_id"], body.get("event_id"), named
            )
            [found] = await connection.all(d.invoice_check(len(named)), params)
            invoice = self.price_invoice(body, caller, found)
            lines = invoice.pop("lines")
            numbered_last = d.name == "postgresql"  # as the server numbers
            async with transaction(connection, d):
                if numbered_last:
                    invoice["sequence"], invoice["number"] = 0, ""
                else:
                    [(sequence,)] = await connection.all(self.sequence_sql, (caller.team_id, 1, 1))
                    invoice["sequence"] = sequence
                    invoice["number"] = f"{caller.invoice_prefix}{sequence:06d}"
                [row] = await connection.all(
                    self.invoice_insert_sql, self.invoice_values(invoice, caller.team_id)
                )
                values = [
                    x
                    for position, (item, line) in enumerate(lines)
                    for x in (
                        *(row[0], position, item["description"], item["quantity"]),
                        *(item["unit_amount"], line.amount),
                    )
                ]
                returned = await connection.all(d.sql(sql.invoice_items_insert(len(lines))), values)
                item_ids = [item_id for _, item_id in sorted(returned)]
                taxes = [
                    (item_id, position, tax)
                    for item_id, (_, line) in zip(item_ids, lines, strict=True)
                    for position, tax in enumerate(line.taxes)
                ]
                if taxes:
                    values = [
                        x
                        for item_id, position, tax in taxes
                        for x in (
                            *(item_id, position, tax.tax_id, tax.name),
                            *(d.stored_decimal(tax.rate), tax.inclusive, tax.amount),
                        )
                    ]
                    await connection.all(d.sql(sql.invoice_item_taxes_insert(len(taxes))), values)
                if numbered_last:
                    numbering = (caller.team_id, 1, 1, caller.invoice_prefix, 6, "0")
                    now = d.stored_time(invoice["created_at"])
                    [row] = await connection.all(
                        self.number_last_sql, (*numbering, now, row[0], caller.team_id)
                    )
        data = self.invoice_dict(row, line_dicts(lines, item_ids))
        return JSONResponse({"data": data}, 201, headers=caller.headers)

    def price_invoice(self, body: dict, caller: Caller, found: tuple) -> dict[str, Any]:
        """The invoice row's values from the body and the check read (422 if invalid)."""
        client_found, event_found, taxes_json = found
        errors = []
        if client_found is None:
            errors.append("The selected client id is invalid.")
        if body.get("event_id") is not None and event_found is None:
            errors.append("The selected event id is invalid.")
        taxes = self.dialect.json_value(taxes_json)
        rules = {
            tax["id"]: TaxRule(tax["name"], Decimal(tax["rate"]), bool(tax["inclusive"]), tax["id"])
            for tax in taxes
            if tax["is_active"]
        }
        defaults = [rules[t["id"]] for t in taxes if t["is_default"] and t["is_active"]]
        lines: list[tuple[dict, LineTotals]] = []
        for item in body["items"]:
            named = item.get("tax_ids")
            if named is not None and any(t not in rules for t in named):
                errors.append("The selected tax id is invalid (not an active tax).")
            applied = [rules[t] for t in named if t in rules] if named is not None else defaults
            lines.append((item, line_totals(item["quantity"], item["unit_amount"], applied)))
        status = body.get("status", "draft")
        discount = body.get("discount", 0)
        totals = invoice_totals([line for _, line in lines], discount, 0, status)
        if discount > totals.subtotal + totals.tax_total:
            errors.append("The discount field is too large.")
        today = datetime.now(ZoneInfo(caller.timezone)).date()
        issue_date = date.fromisoformat(body["issue_date"]) if body.get("issue_date") else today
        due_date = date.fromisoformat(body["due_date"]) if body.get("due_date") else None
        if due_date is not None and due_date < issue_date:
            errors.append("The due_date field must be a date after or equal to issue_date.")
        if errors:
            raise Refusal(422, " ".join(errors))
        return {
            "client_id": body["client_id"],
            "event_id": body.get("event_id"),
            "status": status,
            "currency": body.get("currency", caller.currency),
            "issue_date": issue_date,
            "due_date": due_date,
            "discount": discount,
            "subtotal": totals.subtotal,
            "tax_total": totals.tax_total,
            "total": totals.total,
            "amount_paid": totals.amount_paid,
            "amount_due": totals.amount_due,
            "notes": body.get("notes"),
            "terms": body.get("terms"),
            "created_at": datetime.now(UTC).replace(microsecond=0),
            "lines": lines,
        }

    def invoice_values(self, invoice: dict[str, Any], team_id: int) -> list[Any]:
        """`INVOICE_INSERT`'s values, in `INVOICE_INSERT_COLUMNS` order."""
        d = self.dialect
        now = d.stored_time(invoice["created_at"])
        stored = {
            **invoice,
            "version": 1,
            "issue_date": d.stored_date(invoice["issue_date"]),
            "due_date": d.stored_date(invoice["due_date"]),
            "team_id": team_id,
            "created_at": now,
            "updated_at": now,
        }
        return [stored[name] for name in sql.INVOICE_INSERT_COLUMNS]

    # -- JSON shapes ------------------------------------------------------------------------
    def event_dict(self, row: tuple) -> dict[str, Any]:
        """A row of `EVENT_COLUMNS` in the contract's `Event` shape."""
        event = dict(zip(sql.EVENT_COLUMNS, row, strict=True))
        for name in TIME_FIELDS:
            event[name] = self.dialect.wire_time(event[name])
        if event["recurrence"] is not None:
            event["recurrence"] = self.dialect.json_value(event["recurrence"])
        return event

    def client_dict(self, row: tuple, tags: list[str]) -> dict[str, Any]:
        """A row of `CLIENT_COLUMNS` and its tags in the contract's `Client` shape."""
        d = self.dialect
        client = dict(zip(sql.CLIENT_COLUMNS, row, strict=True))
        return {
            **{k: client[k] for k in ("id", "name", "email", "phone", "timezone", "notes")},
            "tags": tags,
            "address": d.json_value(client["address"]),
            "created_at": d.wire_time(client["created_at"]),
            "updated_at": d.wire_time(client["updated_at"]),
        }

    def invoice_dict(self, row: tuple, items: list[dict]) -> dict[str, Any]:
        """A row of `INVOICE_COLUMNS` and its aggregated items in the `Invoice` shape."""
        d = self.dialect
        invoice = dict(zip(sql.INVOICE_COLUMNS, row, strict=True))
        invoice["issue_date"] = d.wire_date(invoice["issue_date"])
        invoice["due_date"] = d.wire_date(invoice["due_date"])
        for name in ("paid_at", "created_at", "updated_at"):
            invoice[name] = d.wire_time(invoice[name])
        return _invoice_order(invoice, items)


def line_dicts(lines: list[tuple[dict, LineTotals]], item_ids: list[int]) -> list[dict]:
    """Created lines in the `Invoice` schema's `items` shape."""
    return [
        {
            "id": item_id,
            "description": item["description"],
            "quantity": item["quantity"],
            "unit_amount": item["unit_amount"],
            "amount": line.amount,
            "taxes": [
                {
                    "tax_id": tax.tax_id,
                    "name": tax.name,
                    "rate": f"{tax.rate.quantize(Decimal('0.01'))}",
                    "inclusive": tax.inclusive,
                    "amount": tax.amount,
                }
                for tax in line.taxes
            ],
        }
        for item_id, (item, line) in zip(item_ids, lines, strict=True)
    ]


def _invoice_order(invoice: dict[str, Any], items: list[dict]) -> dict[str, Any]:
    """The `Invoice` schema's field order (the reference server's `serialize`)."""
    head = ("id", "number", "client_id", "event_id", "status", "currency", "issue_date")
    tail = ("discount", "subtotal", "tax_total", "total", "amount_paid", "amount_due", "notes")
    return {
        **{k: invoice[k] for k in head},
        "due_date": invoice["due_date"],
        "items": items,
        **{k: invoice[k] for k in tail},
        "terms": invoice["terms"],
        "paid_at": invoice["paid_at"],
        "created_at": invoice["created_at"],
        "updated_at": invoice["updated_at"],
    }


@asynccontextmanager
async def transaction(connection: Connection, dialect: Dialect):
    """BEGIN (IMMEDIATE on SQLite: take the write lock first) ... COMMIT, or ROLLBACK."""
    await connection.all(dialect.begin)
    try:
        yield
    except BaseException:
        await connection.all(sql.ROLLBACK)
        raise
    await connection.all(sql.COMMIT)


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


async def _json_object(request: Request, *required: str) -> dict:
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise Refusal(400, "The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise Refusal(400, "The request body must be a JSON object.")
    for name in required:
        if body.get(name) is None:
            raise Refusal(422, f"The {name} field is required.")
    return body


def create_bare_app(
    url: str, rate: str, redis_url: str | None = None, pool_size: int = POOL_SIZE
) -> Starlette:
    """The bare app over the database at `url`, counting `rate` per token."""
    api = BareApi(url, rate, redis_url, pool_size)

    async def refused(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refusal)
        return exc.response()

    @asynccontextmanager
    async def lifespan(_app: Starlette):
        yield
        await api.pool.close()

    routes = [
        Route(f"{BASE}/events", api.list_events, methods=["GET"]),
        Route(f"{BASE}/events/{{id}}", api.get_event, methods=["GET"]),
        Route(f"{BASE}/clients", api.list_clients, methods=["GET"]),
        Route(f"{BASE}/clients", api.create_client, methods=["POST"]),
        Route(f"{BASE}/invoices", api.list_invoices, methods=["GET"]),
        Route(f"{BASE}/invoices", api.create_invoice, methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={Refusal: refused}, lifespan=lifespan)


def app_from_env() -> Starlette:
    """Uvicorn factory: the database, rate limit and Redis from the environment."""
    return create_bare_app(
        os.environ["BENCH_BARE_DATABASE_URL"],
        os.environ.get("SCHEDULINGKIT_RATE_LIMIT", "60/minute"),
        os.environ.get("SCHEDULINGKIT_REDIS_URL") or None,
        int(os.environ.get("BENCH_BARE_POOL_SIZE") or POOL_SIZE),
    )
