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
VALIDITY = "SPEC-001"


def check_document(document: Document, codes: Iterable[str] | None = None) -> list[Violation]:
    """The violations of `document`, sorted by pointer then code; `codes` limits the rules run.

    The rules read a document of the shape OpenAPI prescribes. A rule that trips over a
    broken `$ref` gives way to SPEC-008, which reports the reference; a rule that trips over
    a malformed document (SPEC-001 reports how) says it could not check it. Either way one
    mistake does not crash the check nor hide the other rules' findings. A rule that fails
    on a valid document is a bug of the checker, and is raised.
    """
    wanted = set(codes) if codes is not None else None
    found: list[Violation] = []
    for rule in RULES:
        if wanted is not None and rule.code not in wanted:
            continue
        try:
            found += rule.run(document)
        except DocumentError:
            found += rules_document.broken_reference_rule().run(document)
        except Exception as exc:
            if not _malformed(document):
                raise
            reason = f"not checked, the document is malformed (see {VALIDITY}): {exc!r}"[:300]
            found.append(Violation(rule.code, "", reason))
    return sorted(set(found), key=lambda v: (v.pointer, v.code, v.message))


def _malformed(document: Document) -> bool:
    """Whether the document fails OpenAPI validation or has a broken `$ref`."""
    return any(
        next(iter(rule.check(document)), None) is not None
        for rule in RULES
        if rule.code in (VALIDITY, BROKEN_REFERENCE)
    )
