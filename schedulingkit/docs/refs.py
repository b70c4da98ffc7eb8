"""Following the document's internal `$ref`s (`#/components/...`) for the pages.

The contract is one file, so every reference is a local JSON pointer
(`schedulingkit.openapi.pointer`). Pages are rendered from resolved nodes; chains of
references are followed and a cycle is reported, never looped on.
"""

from __future__ import annotations

from typing import Any

from schedulingkit.openapi.pointer import RefError, deref, ref_name

__all__ = ["RefError", "Resolver", "ref_name"]


class Resolver:
    """Resolves local `$ref`s in one parsed document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, node: Any) -> Any:
        """`node` itself, or the node its chain of `$ref`s ends at."""
        return deref(self.document, node)[0]
