"""`run_suite(config) -> Report`: the Python entry point of the conformance suite.

The CLI, the pytest plugin and the fault-injection tests all call this. It checks that the
deployment answers and accepts the tokens (else `UsageError`), runs every selected rule in
catalogue order, and removes (or cancels) the fixtures it created, whatever happened.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

import httpx
from schedulingkit.conformance.catalogue import LIMITED, OTHER_TEAM, WRITE, Rule, select
from schedulingkit.conformance.client import ApiClient, DeploymentUnreachable, Exchange
from schedulingkit.conformance.config import SuiteConfig, UsageError
from schedulingkit.conformance.context import RuleContext, Skip, SuiteState
from schedulingkit.conformance.contract import load_contract
from schedulingkit.conformance.report import FAILED, SKIPPED, Failure, Report, RuleResult

# progress(event, rule, result): event is "start" or "finish"; "wait" passes the seconds as rule
Progress = Callable[[str, Rule | None, RuleResult | float | None], None]


def run_suite(config: SuiteConfig, progress: Progress | None = None) -> Report:
    """Run the selected rules against `config.base_url` and report rule by rule."""
    config.validate()
    rules = select(config.rules)
    if not rules:
        raise UsageError(f"no rule matches {', '.join(config.rules)}")
    started = time.monotonic()
    with httpx.Client(timeout=config.timeout, follow_redirects=False) as http:
        state = _state(config, http, progress)
        report = Report(base_url=config.base_url, run_id=state.run_id)
        results = [RuleResult(rule) for rule in rules]
        _attach_observers(state, results)
        try:
            _preflight(state)
            for result in results:
                _run_rule(state, result, progress)
        except DeploymentUnreachable as exc:
            raise UsageError(f"the deployment stopped answering: {exc}") from exc
        finally:
            report.notes.extend(state.cache.get("notes", []))
            if state.fixtures is not None:
                report.notes.extend(state.fixtures.cleanup())
        report.results = results
    report.duration = time.monotonic() - started
    return report


def _state(config: SuiteConfig, http: httpx.Client, progress: Progress | None) -> SuiteState:
    def on_wait(seconds: float) -> None:
        if progress:
            progress("wait", None, seconds)

    def client(token: str | None, role: str) -> ApiClient | None:
        if not token:
            return None
        return ApiClient(config.base_url, token, role, http, on_wait=on_wait)

    main = client(config.token, "main")
    assert main is not None
    return SuiteState(
        config=config,
        contract=load_contract(config.document),
        api=main,
        other=client(config.other_team_token, "other"),
        limited=client(config.limited_token, "limited"),
    )


def _attach_observers(state: SuiteState, results: list[RuleResult]) -> None:
    """Observer rules judge every exchange of the run, whichever rule made it."""
    watchers = [r for r in results if r.rule.observe is not None]

    def observe(exchange: Exchange) -> None:
        for result in watchers:
            assert result.rule.observe is not None
            problems = result.rule.observe(state, exchange)
            result.checks += 1
            for problem in problems:
                result.add_failure(
                    Failure(
                        exchange.operation or f"{exchange.method} {exchange.url}",
                        problem,
                        exchange.curl(),
                    )
                )

    for client in (state.api, state.other, state.limited):
        if client is not None:
            client.observers.append(observe)
    state.cache["observe"] = observe  # Schemathesis exchanges are fed here too


def _preflight(state: SuiteState) -> None:
    """Fail fast, with one line, when the deployment or a token cannot be used."""
    base = state.config.base_url
    try:
        main = state.api.get("/team", operation="GET /team")
    except DeploymentUnreachable as exc:
        raise UsageError(f"cannot reach {base}: {exc.__cause__ or exc}") from exc
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
    state.cache["team"] = team
    if state.other is not None:
        other = state.other.get("/team", operation="GET /team")
        if other.status == 401:
            raise UsageError("--other-team-token was rejected (401)")
        if (
            other.status == 200
            and isinstance(other.data, dict)
            and other.data.get("id") == team.get("id")
        ):
            raise UsageError("--other-team-token belongs to the same team as --token")
    if state.limited is not None:
        limited = state.limited.get("/team", operation="GET /team")
        if limited.status == 401:
            raise UsageError("--limited-token was rejected (401)")


def _missing_needs(rule: Rule, state: SuiteState) -> str | None:
    if WRITE in rule.needs and state.config.read_only:
        return "writes data (--read-only)"
    if OTHER_TEAM in rule.needs and state.other is None:
        return "needs --other-team-token"
    if LIMITED in rule.needs and state.limited is None:
        return "needs --limited-token and --limited-scopes"
    return None


def _run_rule(state: SuiteState, result: RuleResult, progress: Progress | None) -> None:
    if progress:
        progress("start", result.rule, None)
    started = time.monotonic()
    reason = _missing_needs(result.rule, state)
    if reason:
        result.status, result.reason = SKIPPED, reason
    else:
        try:
            result.rule.check(RuleContext(state, result))
        except Skip as exc:
            if result.status != FAILED:
                result.status, result.reason = SKIPPED, str(exc)
        except (DeploymentUnreachable, UsageError):
            raise
        except Exception as exc:  # a response the rule could not even read is a departure too
            last = traceback.extract_tb(exc.__traceback__)[-1]
            result.add_failure(
                Failure(
                    "",
                    f"the rule could not finish: {type(exc).__name__}: {exc} "
                    f"({last.filename.rsplit('/', 1)[-1]}:{last.lineno})",
                )
            )
    result.duration = time.monotonic() - started
    if progress:
        progress("finish", result.rule, result)
