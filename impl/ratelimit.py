"""Per-token fixed-window rate limits (the `limits` library), in memory or in Redis.

With Redis, every server process counts against the same window, so a deployment with
several workers still allows exactly the configured number of requests.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter


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
        storage_uri = redis_url or "memory://"
        self.storage = storage_from_string(storage_uri)
        self.strategy = FixedWindowRateLimiter(self.storage)

    def _key(self, token_id: int) -> str:
        return f"schedulingkit:token:{token_id}"

    def hit(self, token_id: int) -> Decision:
        key = self._key(token_id)
        allowed = self.strategy.hit(self.item, key)
        stats = self.strategy.get_window_stats(self.item, key)
        return Decision(allowed, self.item.amount, stats.remaining, stats.reset_time)

    def peek(self, token_id: int) -> Decision:
        stats = self.strategy.get_window_stats(self.item, self._key(token_id))
        return Decision(True, self.item.amount, stats.remaining, stats.reset_time)
