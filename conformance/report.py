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
            "clause": self.rule.clause,
            "severity": self.rule.severity,
            "status": self.status,
            "reason": self.reason,
            "checks": self.checks,
            "duration": round(self.duration, 3),
            "failures": [f.to_dict() for f in self.failures],
            "omitted_failures": self.omitted,
        }


@dataclass
class Report:
    """Every selected rule's result, in catalogue order."""

    base_url: str
    run_id: str
    results: list[RuleResult] = field(default_factory=list)
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)  # e.g. fixtures the suite could not remove

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
            "duration": round(self.duration, 2),
            "notes": self.notes,
            "rules": [r.to_dict() for r in self.results],
        }
