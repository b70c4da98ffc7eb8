"""The outcome of a run: one result per rule, each failure with its operation and a curl command."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schedulingkit.conformance.catalogue import Rule

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
MAX_FAILURES_PER_RULE = (
    50  # a broken deployment fails the same way everywhere: keep reports readable
)


@dataclass
class Failure:
    """One departure from the contract, and how to reproduce it."""

    operation: str
    detail: str
    curl: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"operation": self.operation, "detail": self.detail, "curl": self.curl}


@dataclass
class RuleResult:
    """What one rule found."""

    rule: Rule
    status: str = PASSED
    failures: list[Failure] = field(default_factory=list)
    reason: str | None = None  # why it was skipped
    checks: int = 0  # individual assertions made (operations x cases)
    omitted: int = 0  # failures beyond MAX_FAILURES_PER_RULE
    duration: float = 0.0
    requests: int = 0  # HTTP requests sent while the rule ran (fixtures it needed included)
    main_requests: int = 0  # those sent with --token (they spend its rate-limit window)

    def add_failure(self, failure: Failure) -> None:
        if any(
            f.detail == failure.detail and f.operation == failure.operation for f in self.failures
        ):
            return
        if len(self.failures) >= MAX_FAILURES_PER_RULE:
            self.omitted += 1
        else:
            self.failures.append(failure)
        self.status = FAILED

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.rule.id,
            "title": self.rule.title,
            "area": self.rule.area,
            "verifies_requirements": [
                {"id": r.id, "statement": r.statement} for r in self.rule.requirements
            ],
            "severity": self.rule.severity,
            "status": self.status,
            "reason": self.reason,
            "checks": self.checks,
            "requests": self.requests,
            "duration": round(self.duration, 3),
            "failures": [f.to_dict() for f in self.failures],
            "omitted_failures": self.omitted,
        }


@dataclass(frozen=True)
class RunInfo:
    """What a report was produced by and against: enough to reproduce and to compare runs."""

    tool_version: str
    contract_version: str
    contract_digest: str  # sha256 of the OpenAPI document the run judged against
    requirements_digest: str  # sha256 of the requirement catalogue
    started_at: str  # RFC 3339, UTC
    options: dict[str, Any]  # the run's options, tokens left out

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": {"name": "schedulingkit conformance", "version": self.tool_version},
            "contract": {
                "version": self.contract_version,
                "sha256": self.contract_digest,
                "requirements_sha256": self.requirements_digest,
            },
            "started_at": self.started_at,
            "options": self.options,
        }


@dataclass
class Report:
    """Every selected rule's result, in catalogue order."""

    base_url: str
    run_id: str
    results: list[RuleResult] = field(default_factory=list)
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)  # e.g. fixtures the suite could not remove
    info: RunInfo | None = None
    requests: dict[str, int] = field(default_factory=dict)  # token role -> requests sent
    plan: dict[str, Any] = field(default_factory=dict)  # the request plan made at preflight

    @property
    def request_count(self) -> int:
        return sum(self.requests.values())

    @property
    def summary(self) -> dict[str, int]:
        return {
            status: sum(1 for r in self.results if r.status == status)
            for status in (PASSED, FAILED, SKIPPED)
        }

    @property
    def failed(self) -> bool:
        return any(r.status == FAILED for r in self.results)

    def result(self, rule_id: str) -> RuleResult:
        for result in self.results:
            if result.rule.id == rule_id:
                return result
        raise KeyError(rule_id)

    def failed_ids(self) -> list[str]:
        return [r.rule.id for r in self.results if r.status == FAILED]

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "base_url": self.base_url,
            "run_id": self.run_id,
            **(self.info.to_dict() if self.info else {}),
            "duration": round(self.duration, 2),
            "requests": {"total": self.request_count, "by_token": dict(self.requests)},
            "plan": self.plan,
            "notes": self.notes,
            "rules": [r.to_dict() for r in self.results],
        }
