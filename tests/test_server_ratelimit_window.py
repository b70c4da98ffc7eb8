"""The rate limiter's fixed window itself (memory and Redis): counting, refusal, headers,
expiry, and no thread per request in memory (the reason it uses `limits.aio`'s storage)."""

from __future__ import annotations

import asyncio
import math
import secrets
import threading
import time
from collections.abc import Callable

import pytest
from conftest import REDIS_ENV, require_env
from schedulingkit.impl.web.ratelimit import Decision, RateLimiter


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> Callable[[str], RateLimiter]:
    redis_url = require_env(REDIS_ENV) if request.param == "redis" else None
    return lambda rate: RateLimiter(rate, redis_url)


def token_id() -> int:
    """A token id no other test (or earlier run against the same Redis) counted."""
    return secrets.randbelow(2**62) + 2**32


def hits(limiter: RateLimiter, token: int, count: int) -> list[Decision]:
    async def run() -> list[Decision]:
        return [await limiter.hit(token) for _ in range(count)]

    return asyncio.run(run())


def test_window_counts_down_refuses_and_names_its_reset(make_limiter):
    limiter, token = make_limiter("3/minute"), token_id()
    opened = time.time()
    decisions = hits(limiter, token, 4)
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert {d.limit for d in decisions} == {3}
    resets = [d.reset_at for d in decisions]
    assert max(resets) - min(resets) <= 1  # one window, opened by the first hit
    assert opened + 59 <= resets[0] <= time.time() + 61
    refused = decisions[-1]
    headers = refused.refusal_headers()
    assert headers["X-RateLimit-Limit"] == "3"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert headers["X-RateLimit-Reset"] == str(math.ceil(refused.reset_at))
    assert decisions[0].headers() == {"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "2"}


def test_peek_does_not_count_and_tokens_do_not_share_a_window(make_limiter):
    limiter, token, other = make_limiter("2/minute"), token_id(), token_id()

    async def run() -> tuple[Decision, Decision, Decision, Decision]:
        fresh = await limiter.peek(token)
        await limiter.hit(token)
        peeked = await limiter.peek(token)
        again = await limiter.peek(token)
        return fresh, peeked, again, await limiter.hit(other)

    fresh, peeked, again, others = asyncio.run(run())
    assert fresh.allowed and fresh.remaining == 2
    assert peeked.remaining == again.remaining == 1
    assert others.allowed and others.remaining == 1


def test_a_new_window_opens_when_the_period_ends(make_limiter):
    limiter, token = make_limiter("2/second"), token_id()

    async def run() -> tuple[list[Decision], Decision]:  # one loop: the Redis client's own
        first = [await limiter.hit(token) for _ in range(3)]
        await asyncio.sleep(max(0.0, first[0].reset_at - time.time()) + 0.1)
        return first, await limiter.hit(token)

    first, later = asyncio.run(run())
    assert [d.allowed for d in first] == [True, True, False]
    assert later.allowed and later.remaining == 1
    assert later.reset_at > first[0].reset_at


def test_memory_counting_starts_no_threads():
    limiter, token = RateLimiter("1000000/minute"), token_id()

    async def run() -> int:
        most = threading.active_count()
        for _ in range(300):
            await limiter.hit(token)
            await asyncio.sleep(0)  # let the expiry sweep run, as between requests
            most = max(most, threading.active_count())
        return most

    before = threading.active_count()
    assert asyncio.run(run()) == before
