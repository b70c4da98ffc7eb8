"""The request plan: how many requests a run sends with `--token`, and how the generated
(Schemathesis) phases are sized so the whole run fits `--max-duration` at the deployment's
rate limit while every rule still runs.

The limit is read from `X-RateLimit-Limit` at preflight and taken per minute, the contract's
unit. Requests with the other tokens (or none) spend other windows. The rules' own requests
are estimated from the document; the generated phases get what is left, and are sized again
when they start, from the time and requests actually spent by then.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schedulingkit.conformance.catalogue import LIMITED, OTHER_TEAM, WRITE, Rule
from schedulingkit.conformance.contract import Contract

if TYPE_CHECKING:
    from schedulingkit.conformance.context import SuiteState

WINDOW_SECONDS = 60.0  # the contract's limits are per minute
FIXTURE_REQUESTS = 64  # creates, reads after create, two payments (see fixtures.plan)
# Schemathesis, measured on the reference document with every phase and max_examples 5
FULL_COVERAGE_PER_OPERATION = 90
EXAMPLES_PHASE_PER_OPERATION = 4
STATEFUL_REQUESTS = 40
GUARD_REQUESTS = 16  # the records generated writes are kept to, and the team restored
SMALL_STATEFUL_REQUESTS = 55  # 5 scenarios of up to 10 steps
UNDOCUMENTED_METHOD_REQUESTS = 20  # one per path, beside the coverage quota
MIN_COVERAGE_PER_OPERATION = 2  # one negative case and one unexpected method or positive case
LONG_RUN_SECONDS = 10 * 60  # warn above this: the limit, not the deployment, sets the pace
# The cleanup: a DELETE per record (an invoice: a read and a status change) and the team
# restored. Before the generated phases, measured on the reference document: the fixtures,
# the rules' throwaway records and the records the generated writes are kept to.
CLEANUP_REQUESTS = 45
GENERATED_CREATES = 0.125  # records the generated phases create per request (measured: 1 in 8-16)
RATE_RULE_REQUESTS = 6  # the rate-limit rules' requests beyond the window kept for them


@dataclass(frozen=True)
class GeneratedSettings:
    """How the Schemathesis phases are sized."""

    max_examples: int  # fuzzing examples per operation
    examples_phase: bool  # the documented examples, filled in (the coverage phase has them too)
    coverage_per_operation: int | None  # coverage cases kept per operation (None: all)
    stateful_steps: int
    requests: int  # the estimate
    # stateful scenarios: a few even in the smallest plan, so that some create is followed by
    # a read (GEN-009 judges nothing otherwise)
    stateful_examples: int = 5

    def describe(self) -> str:
        coverage = (
            "every coverage case"
            if self.coverage_per_operation is None
            else f"{self.coverage_per_operation} coverage cases per operation"
        )
        phases = "examples, " if self.examples_phase else ""
        return (
            f"{phases}{coverage}, fuzzing {self.max_examples} example(s) per operation, "
            f"stateful {self.stateful_examples} scenarios of up to {self.stateful_steps} steps"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_examples": self.max_examples,
            "examples_phase": self.examples_phase,
            "coverage_per_operation": self.coverage_per_operation,
            "stateful_steps": self.stateful_steps,
            "stateful_examples": self.stateful_examples,
            "requests": self.requests,
        }


def size_generated(budget: float | None, operations: int, max_examples: int) -> GeneratedSettings:
    """The largest Schemathesis settings whose requests fit `budget` (None: no limit), never
    below what lets every generated check apply."""
    full = GeneratedSettings(
        max_examples,
        True,
        None,
        10,
        requests=operations
        * (FULL_COVERAGE_PER_OPERATION + EXAMPLES_PHASE_PER_OPERATION + max_examples)
        + STATEFUL_REQUESTS
        + GUARD_REQUESTS,
        stateful_examples=max_examples,
    )
    if budget is None or budget >= full.requests:
        return full
    budget -= GUARD_REQUESTS + UNDOCUMENTED_METHOD_REQUESTS
    stateful = SMALL_STATEFUL_REQUESTS
    fuzzing = max(1, min(max_examples, int(budget * 0.2 / operations)))
    left = budget - stateful - fuzzing * operations
    examples = left >= operations * (EXAMPLES_PHASE_PER_OPERATION + 20)
    if examples:
        left -= operations * EXAMPLES_PHASE_PER_OPERATION
    coverage = max(MIN_COVERAGE_PER_OPERATION, int(left / operations))
    requests = (
        GUARD_REQUESTS
        + UNDOCUMENTED_METHOD_REQUESTS
        + stateful
        + operations * (fuzzing + coverage + (EXAMPLES_PHASE_PER_OPERATION if examples else 0))
    )
    return GeneratedSettings(fuzzing, examples, coverage, 10, requests, stateful_examples=5)


def _paths(contract: Contract) -> int:
    return len(contract.paths())


def rule_estimates(contract: Contract, read_only: bool) -> dict[str, int]:
    """Requests each rule sends with `--token` (fixtures and generated phases apart)."""
    ops = [o for o in contract.operations if not (read_only and o.writes)]
    reads = [o for o in ops if not o.writes]
    lists = contract.list_operations()
    body_ops = [o for o in ops if o.request_schema is not None]
    posts = [o for o in body_ops if o.method == "POST"]
    id_ops = [o for o in ops if o.path_params]
    filters = sum(len(o.filters) for o in lists)
    params = sum(
        min(2, 2 if p["schema"].get("type") == "integer" else 1)
        for o in reads
        for n, p in o.parameters.items()
        if n not in ("page", "per_page")
    )
    writes_by_id = [o for o in contract.operations if o.path_params and o.writes]
    return {
        "SCOPE-003": len(reads) // 2,
        "ERR-001": 2,
        "ERR-002": 2,
        "ERR-003": _paths(contract),
        "ERR-004": len(id_ops),
        "ERR-005": params,
        "ERR-006": len(body_ops),
        "ERR-007": len(body_ops),
        "ERR-008": len(posts),
        "ERR-009": 2,
        "WIRE-004": 1,  # a list asked with a foreign Host
        "WIRE-005": 1,  # a list asked with a trailing slash
        "PAGE-001": len(lists),
        "PAGE-002": 6 * len(lists),
        "PAGE-003": 3 * len(lists),
        "PAGE-004": 3 * len(lists),
        "PAGE-006": len(lists),
        "FILT-001": 2 * filters + 3 * len(lists),
        "FILT-003": 4,
        "RES-002": 3 * len(posts) + 4,
        "RES-003": 4 * len(posts),
        "RES-004": 2 * len(posts),
        "RES-005": 2 * len(posts),
        "RES-006": 4,
        "RES-007": 3,
        "RES-008": 2,
        "RES-009": 45,
        "TEN-001": 2 * len({o.path for o in writes_by_id}),
        "TEN-002": 1,
        # COST-001, COST-002 and COST-005 send no token: they spend nothing of its window
        "COST-003": 1 if posts else 0,
        "COST-004": 1,
        "RATE-003": 1,
    }


@dataclass
class Plan:
    """What the run will send with `--token`, and how long that takes at the deployment's
    limit."""

    limit: int | None  # X-RateLimit-Limit, per minute; None when the deployment sent none
    budget_seconds: float
    rules_requests: int  # the rules' own requests (fixtures included), estimated
    generated: GeneratedSettings | None  # None when no GEN rule runs
    burst: bool  # whether RATE-002/003 spend a window
    requests_per_second: float  # what the deployment answered at preflight
    cleanup: int = 0  # the cleanup's requests, estimated
    warnings: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def requests(self) -> int:
        return (
            self.rules_requests + (self.generated.requests if self.generated else 0) + self.cleanup
        )

    @property
    def free_cleanup(self) -> int:
        """Cleanup requests that cost no time: after the rate-limit rules, the cleanup has the
        window RATE-003 waited for (less its one request) to itself."""
        if self.limit is None or not self.burst:
            return 0
        return max(0, self.limit - 2)

    @property
    def expected_seconds(self) -> float:
        """Windows the requests fill (each a minute) or the deployment's pace, whichever is
        slower, plus the window the rate-limit rules wait out (the cleanup that fits in the
        window after it costs nothing, and a window each it spills into)."""
        pace = self.requests / self.requests_per_second
        if self.limit is None:
            return pace
        before = self.requests - (self.cleanup if self.burst else 0)
        windows = math.ceil((before + 1) / self.limit)
        by_limit = (windows - 1) * WINDOW_SECONDS + (
            WINDOW_SECONDS if self.burst else min(WINDOW_SECONDS, pace)
        )
        if self.burst:  # the cleanup after the rate-limit rules: a window each it spills into
            spilled = max(0, self.cleanup - self.free_cleanup)
            by_limit += math.ceil(spilled / self.limit) * WINDOW_SECONDS
        return max(by_limit, pace)

    def lines(self) -> list[str]:
        """The plan in words, as printed before the rules run."""
        limit = f"{self.limit}/minute" if self.limit else "none announced"
        lines = [
            f"rate limit: {limit} (X-RateLimit-Limit); budget {self.budget_seconds / 60:.0f} min "
            "(--max-duration)",
            f"plan: about {self.requests} requests with --token: {self.rules_requests} for the "
            "rules and their fixtures"
            + (
                f", {self.generated.requests} generated ({self.generated.describe()})"
                if self.generated
                else ""
            )
            + (f", {self.cleanup} for the cleanup" if self.cleanup else ""),
            f"expected duration: about {math.ceil(self.expected_seconds / 60)} min",
        ]
        return lines + [f"warning: {w}" for w in self.warnings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate_limit_per_minute": self.limit,
            "budget_seconds": self.budget_seconds,
            "rules_requests": self.rules_requests,
            "generated": self.generated.to_dict() if self.generated else None,
            "cleanup_requests": self.cleanup,
            "requests": self.requests,
            "expected_seconds": round(self.expected_seconds),
            "warnings": self.warnings,
        }

    def capacity(self, seconds: float) -> float | None:
        """Requests --token may send in `seconds` (None: unbounded), keeping the last window
        for the rate-limit rules when they run, and half a window for the one under way
        (its requests may be spent already)."""
        usable = seconds - (WINDOW_SECONDS if self.burst else 0)
        pace = self.requests_per_second * max(usable, 0)
        if self.limit is None:
            return pace
        return min(pace, self.limit / WINDOW_SECONDS * max(usable - WINDOW_SECONDS / 2, 0))

    def generated_room(self, room: float | None, cleanup: int) -> float | None:
        """Of `room` requests, those the generated phases may send when `cleanup` requests are
        owed already and each record they create (GENERATED_CREATES a request) is removed at
        the end. With the rate-limit rules, the cleanup that fits the window after them costs
        nothing, and one request more costs a whole window: the generated phases create few
        enough records to stay within it, or leave room for the windows the cleanup spills
        into, whichever lets them send more."""
        if room is None:
            return None
        if self.limit is None or not self.burst:
            return max(0.0, (room - cleanup) / (1 + GENERATED_CREATES))
        free = self.free_cleanup
        if cleanup + GENERATED_CREATES * room <= free:
            return room
        fitting = (free - cleanup) / GENERATED_CREATES
        spilled = math.ceil((cleanup + GENERATED_CREATES * room - free) / self.limit)
        return max(0.0, fitting, room - spilled * self.limit)


def make_plan(state: SuiteState, rules: list[Rule] | tuple[Rule, ...], limit: int | None) -> Plan:
    """The plan of this run, its generated phases sized to fit `--max-duration`."""
    config = state.config
    selected = {r.id for r in rules}
    estimates = rule_estimates(state.contract, config.read_only)

    def runs(rule: Rule) -> bool:
        return not (
            (WRITE in rule.needs and config.read_only)
            or (OTHER_TEAM in rule.needs and state.other is None)
            or (LIMITED in rule.needs and state.limited is None)
        )

    running = [r for r in rules if runs(r)]
    rules_requests = sum(estimates.get(r.id, 0) for r in running if r.area != "GEN")
    cleanup = 0
    if not config.read_only and any(WRITE in r.needs or r.area == "GEN" for r in running):
        rules_requests += FIXTURE_REQUESTS
        cleanup = CLEANUP_REQUESTS
    plan = Plan(
        limit=limit,
        budget_seconds=config.max_duration,
        rules_requests=rules_requests,
        generated=None,
        burst="RATE-002" in selected or "RATE-003" in selected,
        requests_per_second=state.cache.get("requests_per_second", 50.0),
        cleanup=cleanup,
    )
    if any(r.area == "GEN" for r in running):
        capacity = plan.capacity(config.max_duration)
        room = None if capacity is None else capacity - rules_requests
        operations = len(
            [o for o in state.contract.operations if not (config.read_only and o.writes)]
        )
        budget = plan.generated_room(room, cleanup)
        plan.generated = size_generated(budget, operations, config.max_examples)
        if not config.read_only:
            plan.cleanup += math.ceil(GENERATED_CREATES * plan.generated.requests)
    if plan.expected_seconds > config.max_duration * 1.05:
        plan.warnings.append(
            f"at {limit}/minute even the smallest plan takes about "
            f"{math.ceil(plan.expected_seconds / 60)} min, more than --max-duration; raise the "
            "deployment's limit for the suite's token, or select fewer rules (--rules)"
        )
    elif limit is not None and plan.expected_seconds > LONG_RUN_SECONDS:
        plan.warnings.append(
            f"the rate limit ({limit}/minute) makes this run take about "
            f"{math.ceil(plan.expected_seconds / 60)} min; raise it for the suite's tokens for "
            "a shorter one (at 3000/minute, about 3 min)"
        )
    return plan


def cleanup_owed(state: SuiteState) -> int:
    """The cleanup's requests for the records created so far (see `FixtureSet.cleanup`)."""
    fixtures = state.fixtures
    if fixtures is None:
        return 0
    paths = {record.path for records in fixtures.created.values() for record in records}
    invoices = sum(1 for path in paths if path.startswith("/invoices/"))
    return len(paths) + invoices + 1


def resize_generated(state: SuiteState, later_rules: int) -> GeneratedSettings | None:
    """The generated phases sized again when they start, from the time left, the requests
    the rules after them still need and the cleanup owed for the records made so far."""
    plan: Plan | None = state.cache.get("plan")
    if plan is None or plan.generated is None:
        return None
    left = plan.budget_seconds - (time.monotonic() - plan.started)
    capacity = plan.capacity(left)
    cleanup = 0 if state.config.read_only else cleanup_owed(state)
    budget = plan.generated_room(None if capacity is None else capacity - later_rules, cleanup)
    operations = len(
        [o for o in state.contract.operations if not (state.config.read_only and o.writes)]
    )
    return size_generated(budget, operations, state.config.max_examples)
