"""Running every rule of the contract over a document."""

from __future__ import annotations

from collections.abc import Iterable

from schedulingkit.spec import (
    rules_components,
    rules_document,
    rules_lists,
    rules_operations,
    rules_requests,
    rules_responses,
    rules_schemas,
)
from schedulingkit.spec.loader import Document, DocumentError
from schedulingkit.spec.registry import Rule, Violation

RULES: list[Rule] = sorted(
    [
        *rules_document.RULES,
        *rules_operations.RULES,
        *rules_responses.RULES,
        *rules_lists.RULES,
        *rules_requests.RULES,
        *rules_schemas.RULES,
        *rules_components.RULES,
    ],
    key=lambda rule: rule.code,
)
BROKEN_REFERENCE = rules_document.BROKEN_REFERENCE


def check_document(document: Document, codes: Iterable[str] | None = None) -> list[Violation]:
    """The violations of `document`, sorted by pointer then code; `codes` limits the rules run.

    A rule that trips over a broken `$ref` is skipped, and SPEC-008 reports the reference,
    so one mistake does not crash the check nor hide the other rules' findings.
    """
    wanted = set(codes) if codes is not None else None
    found: list[Violation] = []
    for rule in RULES:
        if wanted is not None and rule.code not in wanted:
            continue
        try:
            found += rule.run(document)
        except DocumentError:
            if wanted is not None and BROKEN_REFERENCE not in wanted:
                found += rules_document.broken_reference_rule().run(document)
    return sorted(set(found), key=lambda v: (v.pointer, v.code, v.message))
