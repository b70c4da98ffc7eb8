"""SCOPE: a token may call exactly the operations whose `x-scopes` it holds."""

from __future__ import annotations

from schedulingkit.conformance.catalogue import CRITICAL, LIMITED, MAJOR, rule
from schedulingkit.conformance.checks import error_body_problems
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext, SuiteState
from schedulingkit.conformance.contract import Operation
from schedulingkit.conformance.probes import harmless_call


def _holds(scopes: tuple[str, ...], op: Operation) -> bool:
    return "*" in scopes or all(s in scopes for s in op.scopes)


@rule(
    "SCOPE-001",
    "With a limited token, every operation needing a scope it lacks answers 403 "
    "with the error shape, before validation and lookups",
    verifies=["REQ-SCOPE-01"],
    severity=CRITICAL,
    needs=[LIMITED],
)
def lacking_scope_forbidden(ctx: RuleContext) -> None:
    lacking = [op for op in ctx.operations() if not _holds(ctx.config.limited_scopes, op)]
    if not lacking:
        ctx.skip("the limited token holds the scopes of every operation")
    for op in lacking:
        params = {"per_page": 0} if op.is_list else None
        exchange = harmless_call(ctx.limited, op, params=params)
        if ctx.expect(
            exchange.status == 403,
            op.label,
            f"token without {', '.join(op.scopes)} got {exchange.describe()}, expected 403",
            exchange,
        ):
            for problem in error_body_problems(exchange):
                ctx.fail(op.label, problem, exchange)


@rule(
    "SCOPE-002",
    "With a limited token, no operation it holds the scopes for answers 403 (or 401)",
    verifies=["REQ-SCOPE-02"],
    severity=CRITICAL,
    needs=[LIMITED],
)
def held_scope_allowed(ctx: RuleContext) -> None:
    held = [op for op in ctx.operations() if _holds(ctx.config.limited_scopes, op)]
    if not held:
        ctx.skip("the limited token holds no scope of any operation")
    for op in held:
        exchange = harmless_call(ctx.limited, op)
        ctx.expect(
            exchange.status not in (401, 403),
            op.label,
            f"token with {', '.join(op.scopes)} got {exchange.describe()}",
            exchange,
        )


def _full_token_never_forbidden(state: SuiteState, exchange: Exchange) -> list[str]:
    if exchange.role == "main" and exchange.status == 403:
        return ["the token with every scope (*) got 403"]
    return []


@rule(
    "SCOPE-003",
    "A token with every scope (*) never answers 403, in any request of the run",
    verifies=["REQ-SCOPE-03"],
    severity=MAJOR,
    observe=_full_token_never_forbidden,
)
def wildcard_allowed(ctx: RuleContext) -> None:
    """Judges every exchange of the run; calls only the reads no other rule has called."""
    reads = ctx.operations(include_writes=False)
    unseen = set(ctx.unseen([op.label for op in reads]))
    for op in reads:
        if op.label in unseen:
            harmless_call(ctx.api, op)
