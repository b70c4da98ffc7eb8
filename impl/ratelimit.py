"""Per-token fixed-window rate limits (the `limits` library), in memory or in Redis.

With Redis, every server process counts against the same window, so a deployment with
several workers still allows exactly the configured number of requests.

In memory, the limiter uses `limits.aio`'s storage: the synchronous `MemoryStorage` starts a
`threading.Timer` (a new OS thread) to sweep expired keys whenever the previous one has
finished, i.e. every 10 ms under load, and `Thread.start()` blocks the event loop until the
thread runs. The asyncio storage sweeps in a task on the loop instead; the counting, expiry
and window statistics are the same code path, so the semantics do not change. Redis stays on
the synchronous storage (one round trip per call, as before).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage as AsyncMemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter as AsyncFixedWindowRateLimiter
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from limits.util import WindowStats


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


class RateLimiter:
    """`hit` counts a request; `peek` reads the window without counting (for 403s)."""

    def __init__(self, rate: str, redis_url: str | None = None) -> None:
        self.item: RateLimitItem = parse(rate)
        self.shared: FixedWindowRateLimiter | None = None
        self.local: AsyncFixedWindowRateLimiter | None = None
        if redis_url:
            self.shared = FixedWindowRateLimiter(storage_from_string(redis_url))
        else:
            self.local = AsyncFixedWindowRateLimiter(AsyncMemoryStorage())

    def _key(self, token_id: int) -> str:
        return f"schedulingkit:token:{token_id}"

    async def _stats(self, key: str) -> WindowStats:
        if self.local is not None:
            return await self.local.get_window_stats(self.item, key)
        assert self.shared is not None
        return self.shared.get_window_stats(self.item, key)

    async def hit(self, token_id: int) -> Decision:
        key = self._key(token_id)
        if self.local is not None:
            allowed = await self.local.hit(self.item, key)
        else:
            assert self.shared is not None
            allowed = self.shared.hit(self.item, key)
        stats = await self._stats(key)
        return Decision(allowed, self.item.amount, stats.remaining, stats.reset_time)

    async def peek(self, token_id: int) -> Decision:
        stats = await self._stats(self._key(token_id))
        return Decision(True, self.item.amount, stats.remaining, stats.reset_time)
