"""What one request carries between the layers that serve it.

The token check decides headers every answer must carry (rate limits) and opens the
database connection it reads the token with; the handler's statements run on that same
connection, so a request checks out one connection, once. The query string is parsed once
for the validator, the handler's arguments and the list links. `RequestStateMiddleware` gives
each request its `RequestState`, adds the headers to whatever is answered, and returns the
connection to the pool when the request ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from ..data.db import Database

STATE_KEY = "schedulingkit.request"
BODY_KEY = "schedulingkit.body"  # the request body as validated (`validation.BodyValidator`)


class RequestState:
    def __init__(self, query_string: bytes = b"") -> None:
        self.headers: dict[str, str] = {}
        self._connection: AsyncConnection | None = None
        self._database: Database | None = None
        self._query_string = query_string
        self._query: QueryParams | None = None

    @property
    def query(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self._query_string)
        return self._query

    async def connection(self, database: Database) -> AsyncConnection:
        """The request's connection, checked out by the first caller."""
        if self._connection is None:
            self._connection = await database.connect()
            self._database = database
        return self._connection

    async def release(self) -> None:
        """Return the connection to the pool (the pool rolls back anything left open)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._database.release(connection)


def request_state(scope: Scope) -> RequestState:
    return scope[STATE_KEY]


def query_params(scope: Scope) -> QueryParams:
    """The request's query parameters, parsed once."""
    return scope[STATE_KEY].query


class RequestStateMiddleware:
    """Gives each request its `RequestState`; adds its headers to any response, errors too;
    drops the content type Connexion puts on empty 204 responses; releases the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope[STATE_KEY] = RequestState(scope.get("query_string", b""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_headers(
                    message.get("headers", ()), state.headers, drop_type=message["status"] == 204
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            await state.release()


def _with_headers(
    raw: Iterable[tuple[bytes, bytes]], extra: dict[str, str], drop_type: bool
) -> list[tuple[bytes, bytes]]:
    """An answer's raw headers with `extra` set (replacing any of the same name) and, on a
    204 (no content, so no content type), without `content-type`."""
    dropped = {name.lower().encode("latin-1") for name in extra}
    if drop_type:
        dropped.add(b"content-type")
    kept = [(name, value) for name, value in raw if name.lower() not in dropped]
    kept += [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in extra.items()]
    return kept
