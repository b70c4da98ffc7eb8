"""The request body limit: 413 before a body larger than the deployment allows is read whole.

A declared `Content-Length` over the limit is answered at once, before anything reads the
body. A body without one (chunked) is counted as it is received, and reading stops at the
first chunk past the limit: no layer ever holds more than the limit (plus one chunk). Either
way the answer closes the connection, so the rest of the body is never read.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..domain.errors import ApiError
from .endpoint import json_bytes


class BodyTooLarge(ApiError):
    """413: the body is larger than the limit."""

    status = 413

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            f"The request body is larger than the limit of {max_bytes} bytes.",
            headers={"Connection": "close"},
        )


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413 `{"message": ...}`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _answer(send, BodyTooLarge(self.max_bytes))
            return
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except BodyTooLarge as refused:  # a layer that does not turn errors into answers
            if started:
                raise
            await _answer(send, refused)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP server refuses these before the app sees them
    return None


async def _answer(send: Send, error: BodyTooLarge) -> None:
    body = json_bytes(error.body())
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        *((name.lower().encode(), value.encode()) for name, value in error.headers.items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
