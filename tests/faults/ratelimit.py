"""Faults in rate limiting: its headers, and the limit itself."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import Captured, ResponseFault


class NoRetryAfter(ResponseFault):
    """429 answered without `Retry-After`.

    Breaks: over the limit, 429 carries `Retry-After` (seconds) and `X-RateLimit-Reset`.
    Caught by: RATE-002.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 429:
            response.drop_header("retry-after")
        return response


class NoRateLimitRemaining(ResponseFault):
    """`X-RateLimit-Remaining` never sent (a proxy that strips unknown headers).

    Breaks: every authenticated response carries `X-RateLimit-Limit` and
    `X-RateLimit-Remaining`.
    Caught by: RATE-001.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        response.drop_header("x-ratelimit-remaining")
        return response


class PerProcessCounters:
    """Several server processes counting in their own memory behind a round-robin balancer.

    Breaks: the limit is per token for the whole deployment (Redis when several processes
    serve), so request `limit + 1` of a window answers 429. Each request goes to the next of
    `apps` (each with its own in-memory counters), so a token gets `len(apps)` times its limit.
    Caught by: RATE-002.
    """

    def __init__(self, apps: Sequence[ASGIApp]) -> None:
        self.apps = list(apps)
        self.next_app = itertools.cycle(self.apps)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.apps[0](scope, receive, send)
            return
        await next(self.next_app)(scope, receive, send)


class RetryAfterTooShort(ResponseFault):
    """429 says `Retry-After: 0` although the window has not ended.

    Breaks: `Retry-After` is the number of seconds until the window ends, so a client that
    waits that long is served again.
    Caught by: RATE-003.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 429:
            response.set_header("retry-after", "0")
        return response


class LimitOverstated(ResponseFault):
    """The headers announce a bigger limit than the one enforced (a stale config value).

    Breaks: `X-RateLimit-Limit` is the limit the deployment enforces, and
    `X-RateLimit-Remaining` what is left of it (0 on a 429). Both are computed from
    `announced` while the server refuses at its real limit.
    Caught by: RATE-002.
    """

    def __init__(self, app: ASGIApp, announced: int = 60) -> None:
        super().__init__(app)
        self.announced = announced

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        limit, remaining = (
            response.header("x-ratelimit-limit"),
            response.header("x-ratelimit-remaining"),
        )
        if limit and remaining and limit.isdigit() and remaining.isdigit():
            used = int(limit) - int(remaining)
            response.set_header("x-ratelimit-limit", str(self.announced))
            response.set_header("x-ratelimit-remaining", str(max(0, self.announced - used)))
        return response
