"""The bare app's database access: an async driver and a small pool, nothing more.

aiosqlite for SQLite (each connection has its own thread; the event loop never waits on the
file), psycopg 3's `AsyncConnection` for PostgreSQL. Connections are autocommit: a read is
one round trip, and a write opens its own transaction with an explicit BEGIN, as the
reference server does after its rewrite. The pool opens connections on demand up to `size`
(`BENCH_BARE_POOL_SIZE`, default 16: at 16 concurrent requests per worker a request never
waits for a connection) and never pings them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import psycopg
from sqlalchemy.engine import make_url

from .bare_sql import POSTGRESQL, SQLITE, Dialect

POOL_SIZE = 16  # one per connection of the load generator at its usual 16: never the limit
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
)


class Connection(Protocol):
    """What a handler needs: rows of a statement (each call is one round trip)."""

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...
    async def close(self) -> None: ...


class SqliteConnection:
    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return list(await self.raw.execute_fetchall(sql, params))

    async def close(self) -> None:
        await self.raw.close()


class PostgresConnection:
    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cursor = await self.raw.execute(sql, params)
        return await cursor.fetchall() if cursor.description is not None else []

    async def close(self) -> None:
        await self.raw.close()


async def open_sqlite(path: str) -> SqliteConnection:
    import aiosqlite

    raw = await aiosqlite.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        await raw.execute(pragma)
    return SqliteConnection(raw)


async def open_postgresql(params: dict[str, Any]) -> PostgresConnection:
    return PostgresConnection(await psycopg.AsyncConnection.connect(**params, autocommit=True))


class Pool:
    """At most `size` connections in use, opened on demand, reused last-in first-out."""

    def __init__(self, opener: Callable[[], Awaitable[Connection]], size: int = POOL_SIZE) -> None:
        self.opener = opener
        self.slots = asyncio.Semaphore(size)
        self.idle: list[Connection] = []

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        async with self.slots:
            connection = self.idle.pop() if self.idle else await self.opener()
            try:
                yield connection
            except (sqlite3.Error, psycopg.Error, asyncio.CancelledError):
                # the connection may be broken or inside a transaction: close, never reuse
                await _close_quietly(connection)
                raise
            except BaseException:  # an answer such as a 404: the connection is fine
                self.idle.append(connection)
                raise
            self.idle.append(connection)

    async def close(self) -> None:
        while self.idle:
            await _close_quietly(self.idle.pop())


async def _close_quietly(connection: Connection) -> None:
    with contextlib.suppress(Exception):  # a broken connection: nothing left to save
        await connection.close()


def pool_for(url: str, size: int = POOL_SIZE) -> tuple[Pool, Dialect]:
    """A pool and the dialect for a SQLAlchemy-style URL (`sqlite:///file`,
    `postgresql+psycopg://user:password@host:port/database`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = parsed.database or ""
        return Pool(lambda: open_sqlite(path), size), SQLITE
    if backend == "postgresql":
        from .dataset import libpq_params

        params = libpq_params(url)
        return Pool(lambda: open_postgresql(params), size), POSTGRESQL
    raise ValueError(f"the bare app has no driver for {backend}")
