"""What a rule sees while it runs: the contract, HTTP clients per token, fixtures, its result."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schedulingkit.conformance.client import ApiClient, Exchange
from schedulingkit.conformance.config import SuiteConfig
from schedulingkit.conformance.contract import Contract, Operation
from schedulingkit.conformance.report import Failure, RuleResult

if TYPE_CHECKING:
    from schedulingkit.conformance.fixtures import FixtureSet


class Skip(Exception):
    """The rule cannot run against this deployment or with these options."""


@dataclass
class SuiteState:
    """Shared by every rule of one run."""

    config: SuiteConfig
    contract: Contract
    api: ApiClient
    other: ApiClient | None
    limited: ApiClient | None
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    cache: dict[str, Any] = field(default_factory=dict)
    fixtures: FixtureSet | None = None
    current: RuleResult | None = None  # the rule running now (its requests are counted)
    requests: dict[str, int] = field(default_factory=dict)  # token role -> requests sent
    # operation label -> statuses answered to the main token so far (observer rules' own
    # requests are spent only on operations no other rule has called)
    seen: dict[str, set[int]] = field(default_factory=dict)

    def count(self, exchange: Exchange) -> None:
        """Count one request sent, for its token and for the rule running."""
        self.requests[exchange.role] = self.requests.get(exchange.role, 0) + 1
        if exchange.role == "main" and exchange.operation and exchange.status != 429:
            self.seen.setdefault(exchange.operation, set()).add(exchange.status)
        if self.current is not None:
            self.current.requests += 1
            if exchange.role == "main":
                self.current.main_requests += 1

    @property
    def marker(self) -> str:
        """The prefix of every name the suite gives to what it creates."""
        return f"sk-conf-{self.run_id}"


@dataclass
class RuleContext:
    """One rule's view of the run."""

    state: SuiteState
    result: RuleResult

    @property
    def config(self) -> SuiteConfig:
        return self.state.config

    @property
    def contract(self) -> Contract:
        return self.state.contract

    @property
    def api(self) -> ApiClient:
        return self.state.api

    @property
    def other(self) -> ApiClient:
        if self.state.other is None:
            raise Skip("needs --other-team-token")
        return self.state.other

    @property
    def limited(self) -> ApiClient:
        if self.state.limited is None:
            raise Skip("needs --limited-token and --limited-scopes")
        return self.state.limited

    @property
    def fixtures(self) -> FixtureSet:
        """The suite's own marked records, created on first use."""
        from schedulingkit.conformance.fixtures import FixtureSet

        if self.config.read_only:
            raise Skip("creates fixtures (--read-only)")
        if self.state.fixtures is None:
            self.state.fixtures = FixtureSet(self.state)
            self.state.fixtures.create_all()
        return self.state.fixtures

    def operations(self, *, include_writes: bool = True) -> list[Operation]:
        """The operations this run may call (no writing ones with --read-only)."""
        ops = self.contract.operations
        if self.config.read_only or not include_writes:
            ops = [o for o in ops if not o.writes]
        return ops

    def unseen(self, labels: list[str], *, error: bool = False) -> list[str]:
        """The operation labels the main token has not called yet in this run (with `error`:
        not yet answered with a 4xx or 5xx), for observer rules that judge every exchange."""
        seen = self.state.seen
        return [
            label
            for label in labels
            if label not in seen or (error and not any(s >= 400 for s in seen[label]))
        ]

    def checked(self, count: int = 1) -> None:
        self.result.checks += count

    def fail(self, operation: str, detail: str, exchange: Exchange | None = None) -> None:
        """Record a departure; `exchange` gives the curl command that reproduces it."""
        self.result.add_failure(Failure(operation, detail, exchange.curl() if exchange else ""))

    def expect(
        self, condition: bool, operation: str, detail: str, exchange: Exchange | None
    ) -> bool:
        """Count one check; record a failure when `condition` is false."""
        self.checked()
        if not condition:
            self.fail(operation, detail, exchange)
        return condition

    def skip(self, reason: str) -> None:
        raise Skip(reason)
