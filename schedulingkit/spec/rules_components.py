"""Rules over `components`: nothing is declared that no operation reaches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from schedulingkit.openapi import pointer as jp
from schedulingkit.spec.loader import Document, mapping, sequence
from schedulingkit.spec.objects import operations
from schedulingkit.spec.registry import Finding, Rule, registrar

RULES: list[Rule] = []
rule = registrar(RULES)


def _refs(node: Any) -> Iterator[str]:
    """Every `$ref` written inside `node` (example values are data, not references)."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for key, value in node.items():
            if key != "example":
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def reachable_components(document: Document) -> set[str]:
    """Pointers of the components reached from the paths and the security requirements."""
    reached: set[str] = set()
    pending = list(_refs(mapping(document.get("/paths"))))
    while pending:
        ref = pending.pop()
        pointer = ref[1:] if ref.startswith("#") else ref
        tokens = jp.split(pointer) if pointer.startswith("/") else []
        if len(tokens) < 3 or tokens[0] != "components":
            continue
        component = jp.join("", *tokens[:3])
        if component not in reached:
            reached.add(component)
            pending.extend(_refs(document.get(component)))
    requirements = list(sequence(document.get("/security")))
    requirements += [r for op in operations(document) for r in sequence(op.node.get("security"))]
    for requirement in requirements:
        for name in requirement if isinstance(requirement, dict) else ():
            reached.add(jp.join("/components/securitySchemes", name))
    return reached


@rule("SPEC-070", "Every component is used (reached from the paths or the security requirements).")
def unused_components(document: Document) -> Iterator[Finding]:
    reached = reachable_components(document)
    for kind, entries in mapping(document.get("/components")).items():
        if str(kind).startswith("x-") or not isinstance(entries, dict):
            continue
        for name in entries:
            pointer = jp.join("/components", kind, name)
            if pointer not in reached:
                yield pointer, f"{kind}/{name} is used nowhere"
