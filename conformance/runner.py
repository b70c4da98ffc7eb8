"""`run_suite(config) -> Report`: the Python entry point of the conformance suite.

The CLI, the pytest plugin and the fault-injection tests all call this. It checks that the
deployment answers and accepts the tokens (else `UsageError`), runs every selected rule in
catalogue order, and removes (or cancels) the fixtures it created, whatever happened.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from schedulingkit.conformance.catalogue import LIMITED, OTHER_TEAM, WRITE, Rule, select
from schedulingkit.conformance.client import ApiClient, DeploymentUnreachable, Exchange
from schedulingkit.conformance.config import SuiteConfig, UsageError
from schedulingkit.conformance.context import RuleContext, Skip, SuiteState
from schedulingkit.conformance.contract import load_contract
from schedulingkit.conformance.preflight import preflight
from schedulingkit.conformance.report import (
    FAILED,
    PASSED,
    SKIPPED,
    Failure,
    Report,
    RuleResult,
    RunInfo,
)
from schedulingkit.conformance.runinfo import run_info

# progress(event, rule, result): event is "start" or "finish"; "wait" passes the seconds as rule
Progress = Callable[[str, Rule | None, RuleResult | float | None], None]


def run_suite(config: SuiteConfig, progress: Progress | None = None) -> Report:
    """Run the selected rules against `config.base_url` and report rule by rule."""
    config.validate()
    rules = select(config.rules)
    if not rules:
        raise UsageError(f"no rule matches {', '.join(config.rules)}")
    started = time.monotonic()
    info: RunInfo = run_info(config, datetime.now(UTC))
    with httpx.Client(timeout=config.timeout, follow_redirects=False) as http:
        state = _state(config, http, progress)
        report = Report(base_url=config.base_url, run_id=state.run_id, info=info)
        results = [RuleResult(rule) for rule in rules]
        _attach_observers(state, results)
        try:
            report.plan = preflight(state, rules, progress).to_dict()
            for result in results:
                _run_rule(state, result, progress)
        except DeploymentUnreachable as exc:
            raise UsageError(f"the deployment stopped answering: {exc}") from exc
        finally:
            state.current = None
            report.notes.extend(state.cache.get("notes", []))
            report.notes.extend(_cleanup(state))
        report.results = results
        report.requests = dict(state.requests)
    report.duration = time.monotonic() - started
    return report


def _cleanup(state: SuiteState) -> list[str]:
    """Remove the fixtures; a deployment that stopped answering leaves them, said in a note
    (the run's own error, not the cleanup's, is what the vendor must see)."""
    if state.fixtures is None:
        return []
    try:
        return state.fixtures.cleanup()
    except DeploymentUnreachable as exc:
        return [f"could not clean up ({exc}): the suite's records are marked {state.marker}"]


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
        state.count(exchange)
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
    state.current = result
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
    state.current = None
    if result.status == PASSED and result.checks == 0:  # a pass needs evidence
        result.status, result.reason = SKIPPED, "exercised nothing: no request it applies to"
    result.duration = time.monotonic() - started
    if progress:
        progress("finish", result.rule, result)
