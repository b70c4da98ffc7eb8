"""Small ASGI helpers the faults share: capture a response, replay a request, edit JSON.

A fault rewrites a whole response at once, so responses are buffered (the API answers small
JSON documents; nothing streams).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_TYPE = "application/json"


@dataclass
class Captured:
    """A buffered HTTP response: status, headers (lower-case names) and body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def set_header(self, name: str, value: str) -> None:
        self.drop_header(name)
        self.headers.append((name.lower(), value))

    def drop_header(self, name: str) -> None:
        name = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k != name]

    @property
    def is_json(self) -> bool:
        content_type = self.header("content-type") or ""
        return content_type.split(";")[0].strip().endswith("json") and bool(self.body)

    def json(self) -> Any:
        return json.loads(self.body)

    def set_json(self, document: Any, content_type: str = JSON_TYPE) -> None:
        self.set_body(json.dumps(document).encode(), content_type)

    def set_body(self, body: bytes, content_type: str | None) -> None:
        self.body = body
        if content_type is None:
            self.drop_header("content-type")
        else:
            self.set_header("content-type", content_type)

    async def send_to(self, send: Send) -> None:
        headers = [(k, v) for k, v in self.headers if k != "content-length"]
        if self.status not in (204, 304):
            headers.append(("content-length", str(len(self.body))))
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay_receive(body: bytes) -> Receive:
    """A `receive` that hands `body` over once, then reports a disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def capture(app: ASGIApp, scope: Scope, receive: Receive) -> Captured:
    """Run `app` and buffer what it answers."""
    response = Captured(status=500)
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            response.status = message["status"]
            response.headers = [
                (bytes(k).decode("latin-1").lower(), bytes(v).decode("latin-1"))
                for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    response.body = b"".join(chunks)
    return response


async def call(app: ASGIApp, scope: Scope, body: bytes = b"") -> Captured:
    """Send one more request to `app` in-process (a replay under other conditions)."""
    return await capture(app, dict(scope), replay_receive(body))


def request_header(scope: Scope, name: str) -> str | None:
    name_bytes = name.lower().encode("latin-1")
    for key, value in scope.get("headers", []):
        if key.lower() == name_bytes:
            return value.decode("latin-1")
    return None


def with_header(scope: Scope, name: str, value: str | None) -> Scope:
    """A copy of `scope` with header `name` replaced (or removed when `value` is None)."""
    name_bytes = name.lower().encode("latin-1")
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != name_bytes]
    if value is not None:
        headers.append((name_bytes, value.encode("latin-1")))
    return {**scope, "headers": headers}


def query_params(scope: Scope) -> list[tuple[str, str]]:
    return parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)


def with_query(scope: Scope, params: Iterable[tuple[str, str]]) -> Scope:
    """A copy of `scope` with this query string."""
    return {**scope, "query_string": urlencode(list(params)).encode("latin-1")}


def bearer(token: str) -> str:
    return f"Bearer {token}"


class Passthrough:
    """Base of every fault: forwards whatever the fault does not touch (lifespan included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class ResponseFault(Passthrough):
    """A fault that rewrites responses: subclasses implement `rewrite` (and maybe `applies`)."""

    def applies(self, scope: Scope) -> bool:
        return True

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.applies(scope):
            await self.app(scope, receive, send)
            return
        response = await capture(self.app, scope, receive)
        response = await self.rewrite(scope, response)
        await response.send_to(send)

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        raise NotImplementedError


class JsonResponseFault(ResponseFault):
    """Rewrites JSON bodies of some statuses: subclasses implement `edit` on the parsed body."""

    statuses: Iterable[int] = range(200, 600)

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status in self.statuses and response.is_json:
            document = response.json()
            edited = self.edit(scope, document)
            response.set_json(document if edited is None else edited)
        return response

    def edit(self, scope: Scope, document: Any) -> Any:
        """Change `document` in place (return None) or return a replacement."""
        raise NotImplementedError
