"""The rule catalogue: every MUST of the contract as a rule with a stable ID.

Each rule names the clause it verifies (a JSON pointer into the OpenAPI document or a section of
CONTRACT.md), a severity and what it needs to run. Rule bodies live in
`schedulingkit.conformance.rules.<area>`; they register themselves with `@rule(...)` on import.
IDs never change meaning: a retired rule's ID is not reused.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schedulingkit.conformance.context import RuleContext

# What a rule may need beyond a token with every scope.
WRITE = "write"  # creates, changes or removes data (skipped with --read-only)
OTHER_TEAM = "other_team"  # --other-team-token
LIMITED = "limited"  # --limited-token and --limited-scopes

CRITICAL, MAJOR, MINOR = "critical", "major", "minor"

AREAS = {
    "AUTH": "Authentication",
    "SCOPE": "Scopes",
    "TEN": "Tenancy",
    "PAGE": "Pagination",
    "FILT": "Filtering",
    "ERR": "Errors",
    "RATE": "Rate limits",
    "RES": "Resource semantics",
    "WIRE": "Wire format",
    "GEN": "Generated requests (Schemathesis)",
}

RULE_MODULES = (
    "auth",
    "scopes",
    "tenancy",
    "pagination",
    "filters",
    "errors",
    "resources",
    "wire",
    "generated",
    "ratelimit",
)


@dataclass(frozen=True)
class Rule:
    """A rule: a statement about the deployment and the check that verifies it."""

    id: str
    title: str
    clause: str
    severity: str
    needs: frozenset[str]
    check: Callable[[RuleContext], None] = field(compare=False, repr=False)
    # an observer rule also judges every exchange other rules make (see RuleContext.observe)
    observe: Callable[..., list[str]] | None = field(default=None, compare=False, repr=False)

    @property
    def area(self) -> str:
        return self.id.split("-")[0]


_REGISTRY: dict[str, Rule] = {}


def rule(
    rule_id: str,
    title: str,
    *,
    clause: str,
    severity: str = MAJOR,
    needs: Iterable[str] = (),
    observe: Callable[..., list[str]] | None = None,
) -> Callable[[Callable[[RuleContext], None]], Callable[[RuleContext], None]]:
    """Register the decorated function as the check of rule `rule_id`."""

    def register(check: Callable[[RuleContext], None]) -> Callable[[RuleContext], None]:
        if rule_id in _REGISTRY and _REGISTRY[rule_id].check is not check:
            raise ValueError(f"rule {rule_id} registered twice")
        _REGISTRY[rule_id] = Rule(
            rule_id, title, clause, severity, frozenset(needs), check, observe
        )
        return check

    return register


def catalogue() -> list[Rule]:
    """Every rule, in run order (areas as in RULE_MODULES, then by ID)."""
    for module in RULE_MODULES:
        importlib.import_module(f"schedulingkit.conformance.rules.{module}")
    order = {area: i for i, area in enumerate(_area_order())}
    return sorted(_REGISTRY.values(), key=lambda r: (order.get(r.area, 99), r.id))


def _area_order() -> list[str]:
    return ["AUTH", "SCOPE", "ERR", "WIRE", "PAGE", "FILT", "RES", "TEN", "GEN", "RATE"]


def rule_ids() -> list[str]:
    """The IDs of every rule (what the faults tests assert on)."""
    return [r.id for r in catalogue()]


def select(patterns: Iterable[str] | None) -> list[Rule]:
    """The rules matching any of the glob patterns (`AUTH-*`, `PAGE-00[12]`); all when empty."""
    wanted = [p.strip().upper() for p in (patterns or []) if p.strip()]
    rules = catalogue()
    if not wanted:
        return rules
    return [r for r in rules if any(fnmatch.fnmatchcase(r.id, p) for p in wanted)]
