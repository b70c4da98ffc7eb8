"""Following the document's internal `$ref`s (`#/components/...`).

The contract is one file, so every reference is a local JSON pointer. Pages are rendered from
resolved nodes; chains of references are followed and a cycle is reported, never looped on.
"""

from __future__ import annotations

from typing import Any


class RefError(ValueError):
    """A `$ref` that is not local, points nowhere or loops back on itself."""


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class Resolver:
    """Looks up local JSON pointers in one parsed document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def lookup(self, ref: str) -> Any:
        """The node a local `$ref` string (`#/components/schemas/Event`) points to."""
        if not ref.startswith("#/"):
            raise RefError(f"only local $refs are supported, got {ref!r}")
        node: Any = self.document
        for token in ref[2:].split("/"):
            key = _unescape(token)
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, dict) and key.isdigit() and int(key) in node:
                node = node[int(key)]  # YAML reads an unquoted `200:` as an integer key
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise RefError(f"$ref {ref!r} points nowhere")
        return node

    def resolve(self, node: Any) -> Any:
        """`node` itself, or the node its chain of `$ref`s ends at."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise RefError(f"$ref cycle through {ref!r}")
            seen.add(ref)
            node = self.lookup(ref)
        return node


def ref_name(node: Any) -> str | None:
    """The last token of a node's `$ref` (`Event` for `#/components/schemas/Event`), if any."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return _unescape(node["$ref"].rsplit("/", 1)[-1])
    return None
