"""RATE: per-token fixed windows, announced in headers; 429 tells when to come back.

These rules run last: the burst spends the main token's window, and every other rule backs off
on 429 instead of failing.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

from schedulingkit.conformance.catalogue import CRITICAL, MAJOR, rule
from schedulingkit.conformance.checks import rate_limit_header_problems, too_many_requests_problems
from schedulingkit.conformance.client import Exchange, retry_after_seconds
from schedulingkit.conformance.context import RuleContext, SuiteState
from schedulingkit.conformance.probes import harmless_call

MAX_BURST = 5000  # requests; a deployment with a higher limit is not burst-tested
PARALLEL = 8  # concurrent requests of the burst


def _headers_on_authenticated(state: SuiteState, exchange: Exchange) -> list[str]:
    """Responses to a documented operation that got past authentication (unknown routes and
    undocumented methods have no operation, hence no limit the contract speaks of)."""
    labels = state.cache.get("operation_labels")
    if labels is None:
        labels = state.cache["operation_labels"] = {o.label for o in state.contract.operations}
    if not exchange.authenticated or exchange.status == 401 or exchange.operation not in labels:
        return []
    return rate_limit_header_problems(exchange)


@rule(
    "RATE-001",
    "Every response to an authenticated request of the run carries "
    "X-RateLimit-Limit and X-RateLimit-Remaining",
    verifies=["REQ-RATE-02"],
    severity=MAJOR,
    observe=_headers_on_authenticated,
)
def headers_everywhere(ctx: RuleContext) -> None:
    """Judges every exchange of the run; calls only the reads no other rule has called."""
    reads = ctx.operations(include_writes=False)
    unseen = set(ctx.unseen([op.label for op in reads]))
    for op in reads:
        if op.label in unseen:
            harmless_call(ctx.api, op)


def burst(ctx: RuleContext) -> tuple[Exchange | None, list[Exchange]]:
    """GET /team until 429 (once per run): a few requests one by one (to watch Remaining count
    down), then in parallel so that even a short window is exhausted before it ends."""
    if "burst" in ctx.state.cache:
        return ctx.state.cache["burst"]
    answers = [ctx.api.get("/team", operation="GET /team", backoff=False) for _ in range(5)]
    try:
        limit = int(answers[0].headers.get("x-ratelimit-limit", ""))
    except ValueError:
        limit = 60
    if limit > MAX_BURST:
        ctx.skip(f"X-RateLimit-Limit is {limit}: too many requests to reach the limit")
    refused = next((a for a in answers if a.status == 429), None)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        while refused is None and len(answers) < 3 * limit + 10:
            batch = list(
                pool.map(
                    lambda _: ctx.api.get("/team", operation="GET /team", backoff=False),
                    range(PARALLEL),
                )
            )
            answers += batch
            refused = next((a for a in batch if a.status == 429), None)
    ctx.state.cache["burst"] = (refused, answers)
    return refused, answers


@rule(
    "RATE-002",
    "A burst beyond X-RateLimit-Limit reaches 429 Too Many Attempts with "
    "Retry-After and X-RateLimit-Reset; X-RateLimit-Remaining counts down on the way",
    verifies=["REQ-RATE-01", "REQ-RATE-02", "REQ-RATE-03"],
    severity=CRITICAL,
)
def burst_reaches_429(ctx: RuleContext) -> None:
    refused, answers = burst(ctx)
    if not ctx.expect(
        refused is not None,
        "GET /team",
        f"{len(answers)} requests (3 windows' worth) never answered 429 "
        f"(X-RateLimit-Limit {answers[0].headers.get('x-ratelimit-limit')})",
        answers[-1],
    ):
        return
    assert refused is not None
    for problem in too_many_requests_problems(refused):
        ctx.fail("GET /team", problem, refused)
    body = refused.json()
    if isinstance(body, dict) and body.get("message") != "Too Many Attempts.":
        ctx.fail("GET /team", f"429 message is {body.get('message')!r}", refused)
    sequential = answers[:5]
    remaining = [a.headers.get("x-ratelimit-remaining", "") for a in sequential if a.status == 200]
    counts = [int(r) for r in remaining if r.isdigit()]
    ctx.expect(
        countdown_ok(counts),
        "GET /team",
        f"X-RateLimit-Remaining does not count down: {counts[:12]}",
        answers[-1],
    )


def countdown_ok(counts: list[int]) -> bool:
    """Each answer leaves one request fewer; a window may end during the burst (one jump up)."""
    ups = sum(1 for a, b in itertools.pairwise(counts) if b > a)
    downs = sum(1 for a, b in itertools.pairwise(counts) if b < a)
    return ups <= 1 and (len(counts) < 2 or downs >= (len(counts) - 1) // 2)


@rule(
    "RATE-003",
    "After waiting Retry-After, the token works again",
    verifies=["REQ-RATE-04"],
    severity=CRITICAL,
)
def recovers(ctx: RuleContext) -> None:
    refused, _ = burst(ctx)
    if refused is None:
        ctx.skip("the burst never reached 429 (RATE-002)")
    assert refused is not None
    time.sleep(retry_after_seconds(refused))
    exchange = ctx.api.get("/team", operation="GET /team", backoff=False)
    ctx.expect(
        exchange.status == 200,
        "GET /team",
        f"after waiting Retry-After ({refused.headers.get('retry-after')}s) the token "
        f"got {exchange.describe()}",
        exchange,
    )
