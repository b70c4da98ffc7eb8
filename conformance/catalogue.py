"""The rule catalogue: the contract's requirements as rules with stable IDs.

Each rule declares the requirements it verifies (`verifies_requirements`: ids of the
requirement catalogue shipped beside the document, `openapi/requirements.yaml`), a severity
and what it needs to run. Rule bodies live in `schedulingkit.conformance.rules.<area>`; they
register themselves with `@rule(...)` on import. IDs never change meaning: a retired rule's ID
is not reused.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schedulingkit.openapi.requirements import Requirement, load_catalogue

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
    "COST": "Bounded cost and production shape",
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
    "state_changes",
    "cost",
    "generated",
    "ratelimit",
)


@dataclass(frozen=True)
class Rule:
    """A rule: a statement about the deployment and the check that verifies it."""

    id: str
    title: str
    verifies_requirements: tuple[str, ...]
    severity: str
    needs: frozenset[str]
    check: Callable[[RuleContext], None] = field(compare=False, repr=False)
    # an observer rule also judges every exchange other rules make (see RuleContext.observe)
    observe: Callable[..., list[str]] | None = field(default=None, compare=False, repr=False)

    @property
    def area(self) -> str:
        return self.id.split("-")[0]

    @property
    def requirements(self) -> list[Requirement]:
        """The requirements this rule verifies, with their sentences (unknown ids left out:
        `unknown_requirement_ids` reports them)."""
        known = load_catalogue()
        return [known[i] for i in self.verifies_requirements if i in known]


_REGISTRY: dict[str, Rule] = {}


def rule(
    rule_id: str,
    title: str,
    *,
    verifies: Iterable[str],
    severity: str = MAJOR,
    needs: Iterable[str] = (),
    observe: Callable[..., list[str]] | None = None,
) -> Callable[[Callable[[RuleContext], None]], Callable[[RuleContext], None]]:
    """Register the decorated function as the check of rule `rule_id`."""

    def register(check: Callable[[RuleContext], None]) -> Callable[[RuleContext], None]:
        if rule_id in _REGISTRY and _REGISTRY[rule_id].check is not check:
            raise ValueError(f"rule {rule_id} registered twice")
        _REGISTRY[rule_id] = Rule(
            rule_id, title, tuple(verifies), severity, frozenset(needs), check, observe
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
    return ["AUTH", "SCOPE", "ERR", "WIRE", "PAGE", "FILT", "RES", "TEN", "COST", "GEN", "RATE"]


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


def unknown_requirement_ids(rules: Iterable[Rule] | None = None) -> dict[str, list[str]]:
    """Rule id -> the requirement ids it cites that the catalogue does not have."""
    known = load_catalogue()
    found = {}
    for item in catalogue() if rules is None else rules:
        unknown = [i for i in item.verifies_requirements if i not in known]
        if unknown or not item.verifies_requirements:
            found[item.id] = unknown or ["(none cited)"]
    return found


def rules_verifying() -> dict[str, list[str]]:
    """Requirement id -> the ids of the rules that verify it (every catalogued id present)."""
    mapping: dict[str, list[str]] = {i: [] for i in load_catalogue().ids()}
    for item in catalogue():
        for requirement_id in item.verifies_requirements:
            mapping.setdefault(requirement_id, []).append(item.id)
    return mapping
