"""The preflight: before any rule runs, check that the deployment answers and that every token
is what the options say it is, then read the rate limit and plan the run to fit it.

A vendor's mistake (a token of the same team given as the other team's, a limited token whose
abilities differ from `--limited-scopes`) is refused here with one line (`UsageError`, exit 2),
instead of surfacing later as rule failures that blame the deployment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from schedulingkit.conformance.budget import Plan, make_plan
from schedulingkit.conformance.catalogue import Rule
from schedulingkit.conformance.client import ApiClient, DeploymentUnreachable, Exchange
from schedulingkit.conformance.config import UsageError
from schedulingkit.conformance.context import SuiteState
from schedulingkit.conformance.contract import Contract, Operation
from schedulingkit.conformance.probes import harmless_call

WILDCARD = "*"
MAX_PACE = 100.0  # requests a second the suite itself manages, measured on 2 cores


def preflight(
    state: SuiteState, rules: Sequence[Rule], progress: Callable[..., None] | None = None
) -> Plan:
    """Refuse unusable options (`UsageError`), then the run's request plan."""
    team, limit = _main_token(state)
    state.cache["team"] = team
    if state.other is not None:
        _other_team_token(state.other, team)
    if state.limited is not None:
        _limited_token(state.limited, state.contract, state.config.limited_scopes)
    plan = make_plan(state, rules, limit)
    state.cache["plan"] = plan
    if progress:
        progress("plan", None, plan)
    return plan


def _main_token(state: SuiteState) -> tuple[dict[str, Any], int | None]:
    base = state.config.base_url
    started = time.monotonic()
    try:
        main = state.api.get("/team", operation="GET /team")
    except DeploymentUnreachable as exc:
        raise UsageError(f"cannot reach {base}: {exc.__cause__ or exc}") from exc
    # the deployment's pace as one client sees it (capped: the suite's own work takes time too)
    state.cache["requests_per_second"] = min(MAX_PACE, 1 / max(time.monotonic() - started, 1e-3))
    if main.status == 401:
        raise UsageError(f"--token was rejected (GET {base}/team answered 401)")
    if main.status == 403:
        raise UsageError("--token lacks team:read: give a token with every scope (*)")
    team = main.data if isinstance(main.data, dict) else None
    if main.status != 200 or team is None:
        raise UsageError(
            f"GET {base}/team answered {main.status}, not a team: is the base URL right "
            "(it includes /api/v1)?"
        )
    return team, rate_limit_of(main)


def rate_limit_of(exchange: Exchange) -> int | None:
    """`X-RateLimit-Limit` as an integer, or None when absent or malformed."""
    try:
        value = int(exchange.headers.get("x-ratelimit-limit", ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _other_team_token(other: ApiClient, team: dict[str, Any]) -> None:
    answer = other.get("/team", operation="GET /team")
    if answer.status in (401, 403):
        raise UsageError(
            f"--other-team-token got {answer.status} on GET /team: give a token of another "
            "team with every scope (*)"
        )
    data = answer.data if isinstance(answer.data, dict) else None
    if answer.status != 200 or data is None:
        raise UsageError(f"--other-team-token: GET /team answered {answer.describe()[:120]}")
    if data.get("id") == team.get("id"):
        raise UsageError(
            f"--other-team-token belongs to the same team as --token (team {team.get('id')}): "
            "give a token of another team"
        )


def _holds(scopes: Sequence[str], op: Operation) -> bool:
    return WILDCARD in scopes or all(s in scopes for s in op.scopes)


def probe_operations(
    contract: Contract, scopes: Sequence[str]
) -> tuple[Operation | None, Operation | None]:
    """One operation `scopes` allow and one they do not, reads first (a read without a path
    parameter answers the same whatever the data; a write is called harmlessly)."""
    ranked = sorted(
        contract.operations, key=lambda o: (o.writes, bool(o.path_params), o.path, o.method)
    )
    allowed = next((o for o in ranked if o.scopes and _holds(scopes, o)), None)
    refused = next((o for o in ranked if o.scopes and not _holds(scopes, o)), None)
    return allowed, refused


def _limited_token(limited: ApiClient, contract: Contract, scopes: Sequence[str]) -> None:
    known = {s for op in contract.operations for s in op.scopes} | {WILDCARD}
    unknown = sorted(set(scopes) - known)
    if unknown:
        raise UsageError(f"--limited-scopes names unknown scope(s): {', '.join(unknown)}")
    allowed, refused = probe_operations(contract, scopes)
    for op, should_pass in ((allowed, True), (refused, False)):
        if op is None:
            continue
        answer = harmless_call(limited, op)
        if answer.status == 401:
            raise UsageError(f"--limited-token was rejected (401 on {op.label})")
        if should_pass and answer.status == 403:
            raise UsageError(
                f"--limited-token got 403 on {op.label}, which needs {', '.join(op.scopes)}: "
                "its abilities differ from --limited-scopes"
            )
        if not should_pass and answer.status != 403:
            raise UsageError(
                f"--limited-token got {answer.status} (not 403) on {op.label}, which needs "
                f"{', '.join(op.scopes)}: its abilities differ from --limited-scopes"
            )
