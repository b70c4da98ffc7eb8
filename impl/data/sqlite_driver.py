"""aiosqlite with one worker-thread hop per statement, for SQLAlchemy's asyncio extension.

aiosqlite runs each sqlite3 call in its connection's worker thread: a hop there and back
costs ~40-50 us of CPU, several times what SQLite takes for a page of rows. SQLAlchemy's
adapter makes four hops per statement (make a cursor, execute, fetch all, close); the cursor
here makes one: the whole statement runs in the worker thread and its rows, description,
row count and last row id come back together. Everything else is SQLAlchemy's own
`sqlite+aiosqlite` dialect. The URL scheme is `sqlite+schedulingkit_aiosqlite`.

It relies on internals of both libraries (impl/README.md, "Framework internals", and
tests/test_framework_internals.py): SQLAlchemy's `AsyncAdapt_aiosqlite_*` adapter classes
(the cursor's `_rows` deque, `_connection`, `_adapt_connection._handle_exception`, the
connection's `_cursor_cls`) and aiosqlite's `Connection._execute(fn, *args)` (which
SQLAlchemy's own adapter uses the same way, through `_tx`) and `_conn`.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

DRIVER = "schedulingkit_aiosqlite"

Outcome = tuple[Any, list[Any], int, int | None]


def _statement(connection: sqlite3.Connection, operation: str, parameters: Any) -> Outcome:
    cursor = connection.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _statements(connection: sqlite3.Connection, operation: str, many: Any) -> Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, many)
        return cursor.description, [], cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def run_statement(driver: Any, operation: str, parameters: Any) -> tuple[Any, list[Any]]:
    """`operation` on an aiosqlite connection in one worker-thread hop: its description and
    rows (`driver.DriverStatement`, which skips SQLAlchemy's cursor)."""
    description, rows, _count, _last_id = await driver._execute(
        _statement, driver._conn, operation, parameters
    )
    return description, rows


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement is one trip to the worker thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # no aiosqlite cursor: statements run on sqlite3's own
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    def _run(self, function: Any, operation: str, parameters: Any) -> None:
        try:
            outcome = await_(
                self._connection._execute(function, self._connection._conn, operation, parameters)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def execute(self, operation: str, parameters: Any = None) -> None:
        self._run(_statement, operation, parameters)

    def executemany(self, operation: str, seq_of_parameters: Any) -> None:
        self._run(_statements, operation, seq_of_parameters)

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        return None  # nothing is open: the rows are here already

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


class OneHopDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True  # compiles as its parent does

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneHopDialect")
