"""Rules and violations: what `spec check` enforces and what it reports.

A rule is a small function over the whole document that yields `(pointer, message)` pairs.
Each rule module keeps its own list, filled by the `rule(...)` decorator; `check.RULES` joins
them, so a test can enumerate every rule and its code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from schedulingkit.spec.loader import Document

Finding = tuple[str, str]
RuleFunction = Callable[[Document], Iterable[Finding]]
ROOT = '""'  # how the empty pointer (the whole document) is printed


@dataclass(frozen=True, order=True)
class Violation:
    """One broken rule at one place: `pointer` is an RFC 6901 JSON Pointer into the document."""

    code: str
    pointer: str
    message: str

    def __str__(self) -> str:
        # The empty pointer is the whole document ("/" would be the key "" at its root).
        where = self.pointer if self.pointer else ROOT
        return f"{self.code} {where}: {self.message}"


@dataclass(frozen=True)
class Rule:
    """A rule of the contract: a stable code, a one-line description and its check."""

    code: str
    description: str
    check: RuleFunction

    def run(self, document: Document) -> list[Violation]:
        """The violations of this rule in `document`, each place reported once."""
        found = {
            Violation(self.code, pointer, message) for pointer, message in self.check(document)
        }
        return sorted(found)


def registrar(rules: list[Rule]) -> Callable[[str, str], Callable[[RuleFunction], RuleFunction]]:
    """A decorator factory that appends each decorated function to `rules` as a `Rule`."""

    def rule(code: str, description: str) -> Callable[[RuleFunction], RuleFunction]:
        def register(function: RuleFunction) -> RuleFunction:
            rules.append(Rule(code, description, function))
            return function

        return register

    return rule
