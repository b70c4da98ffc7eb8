"""Per-token fixed-window rate limits (the `limits` library), in memory or in Redis.

With Redis, every server process counts against the same window, so a deployment with
several workers still allows exactly the configured number of requests. Both storages are
`limits.aio`'s: the Redis one talks to Redis through `redis.asyncio` (with connect and socket
timeouts, so a Redis that does not answer cannot hold a request, let alone the event loop),
the memory one sweeps expired keys in a task on the loop. A Redis that is down or slower
than the deadline makes the request a 503 (`ServiceUnavailable`); the next request tries
again, so counting resumes as soon as Redis is back.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.errors import StorageError

from ..domain.errors import ServiceUnavailable

REDIS_TIMEOUT = 0.5  # seconds, for connecting and for every command
T = TypeVar("T")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        """Headers every authenticated response carries."""
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}

    def refusal_headers(self) -> dict[str, str]:
        """Headers of a 429."""
        retry_after = max(1, math.ceil(self.reset_at - time.time()))
        return {
            **self.headers(),
            "Retry-After": str(retry_after),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


def storage_for(redis_url: str | None, timeout: float = REDIS_TIMEOUT) -> Storage:
    """Redis (shared by every process) when configured, else this process's memory."""
    if not redis_url:
        return MemoryStorage()
    return RedisStorage(
        f"async+{redis_url}",
        implementation="redispy",
        wrap_exceptions=True,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )


class RateLimiter:
    """`hit` counts a request; `peek` reads the window without counting (for 403s).

    The window is `limits`' fixed window (`FixedWindowRateLimiter`: the key's counter is
    incremented with the window's expiry, a request is allowed while the counter is within
    the limit) on its storage, with the same keys; what is left comes from the count the
    increment returns, so a request costs two storage calls (two Redis round trips), where
    the strategy's `hit` and `get_window_stats` make three.
    """

    def __init__(
        self, rate: str, redis_url: str | None = None, timeout: float = REDIS_TIMEOUT
    ) -> None:
        self.item: RateLimitItem = parse(rate)
        self.storage = storage_for(redis_url, timeout)
        self.timeout = timeout if redis_url else None  # memory cannot be late or down

    def _key(self, token_id: int) -> str:
        return self.item.key_for(f"schedulingkit:token:{token_id}")

    async def hit(self, token_id: int) -> Decision:
        key, item = self._key(token_id), self.item

        async def count() -> tuple[int, float]:
            counted = await self.storage.incr(key, item.get_expiry(), amount=1)
            return counted, await self.storage.get_expiry(key)

        counted, reset = await self._in_time(count())
        return Decision(counted <= item.amount, item.amount, max(0, item.amount - counted), reset)

    async def peek(self, token_id: int) -> Decision:
        key = self._key(token_id)

        async def read() -> tuple[int, float]:
            return await self.storage.get(key), await self.storage.get_expiry(key)

        counted, reset = await self._in_time(read())
        return Decision(True, self.item.amount, max(0, self.item.amount - counted), reset)

    async def _in_time(self, work: Awaitable[T]) -> T:
        """`work` within the deadline; a store that fails or is late is a 503."""
        if self.timeout is None:
            return await work
        try:
            async with asyncio.timeout(self.timeout):
                return await work
        except (TimeoutError, StorageError, OSError) as exc:
            raise ServiceUnavailable("rate-limit store") from exc
