"""`GET /up`: the health route a balancer polls (Laravel's `/up`), outside `/api/v1`, no auth.

200 `{"status": "up"}` when the database answers a query within the server's deadline, 503
in the error shape otherwise. It never touches Redis: a balancer must not take every server
out of rotation because the shared rate-limit store blinked (requests then answer 503
themselves).
"""

from __future__ import annotations

import json

from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from ..data.db import Database
from ..domain.errors import ServiceUnavailable

PATH = "/up"
_PROBE = text("SELECT 1")


class HealthRoute:
    def __init__(self, app: ASGIApp, database: Database) -> None:
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            message = f"The {scope['method']} method is not supported for route {PATH}."
            await _answer(send, 405, {"message": message}, {"allow": "GET, HEAD"})
            return
        try:
            await self._probe()
        except ServiceUnavailable as down:
            headers = {name.lower(): value for name, value in down.headers.items()}
            await _answer(send, 503, down.body(), headers, head=scope["method"] == "HEAD")
            return
        await _answer(send, 200, {"status": "up"}, head=scope["method"] == "HEAD")

    async def _probe(self) -> None:
        connection = await self.database.connect()
        try:
            await self.database.execute(connection, _PROBE)
        finally:
            await self.database.release(connection)


async def _answer(
    send: Send, status: int, body: dict, headers: dict[str, str] | None = None, head: bool = False
) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    raw = {
        "content-type": "application/json",
        "content-length": str(len(payload)),
        "cache-control": "no-store",
        **(headers or {}),
    }
    encoded = [(name.encode(), value.encode()) for name, value in raw.items()]
    await send({"type": "http.response.start", "status": status, "headers": encoded})
    await send({"type": "http.response.body", "body": b"" if head else payload})
