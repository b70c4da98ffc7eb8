"""Rules over each operation's own fields: id, summary, description, scopes, path ids."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schedulingkit.openapi import pointer as jp
from schedulingkit.spec.loader import Document, mapping
from schedulingkit.spec.objects import operation_parameters, operations
from schedulingkit.spec.registry import Finding, Rule, registrar

RULES: list[Rule] = []
rule = registrar(RULES)

# lowerCamelCase ASCII: a valid identifier in every language a client generator targets.
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]*$")
SCOPE_RESOURCES = (
    "team",
    "event-types",
    "events",
    "clients",
    "locations",
    "workflows",
    "invoices",
    "transactions",
    "taxes",
)


@rule("SPEC-010", "Every operation has a language-neutral (lowerCamelCase ASCII) operationId.")
def operation_id_present(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        value = operation.node.get("operationId")
        pointer = jp.join(operation.pointer, "operationId")
        if not value:
            yield pointer, f"{operation.label} has no operationId"
        elif not OPERATION_ID.match(str(value)):
            yield pointer, f"{value!r} is not lowerCamelCase ASCII letters and digits"


@rule("SPEC-011", "operationIds are unique.")
def operation_id_unique(document: Document) -> Iterator[Finding]:
    first: dict[str, str] = {}
    for operation in operations(document):
        value = operation.node.get("operationId")
        if not value:
            continue
        if value in first:
            yield jp.join(operation.pointer, "operationId"), f"{value!r} is also {first[value]}"
        else:
            first[value] = operation.label


@rule("SPEC-012", "Every operation has a one-line summary.")
def summary_present(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        summary = str(operation.node.get("summary") or "")
        if not summary.strip() or "\n" in summary.strip():
            yield (
                jp.join(operation.pointer, "summary"),
                f"{operation.label} needs a one-line summary",
            )


@rule("SPEC-013", "Every operation has a description.")
def description_present(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        if not str(operation.node.get("description") or "").strip():
            yield jp.join(operation.pointer, "description"), f"{operation.label} has no description"


@rule("SPEC-014", "x-scopes is [<resource>:read] on GET and [<resource>:write] otherwise.")
def scopes(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        access = "read" if operation.method == "get" else "write"
        expected = [f"{operation.resource}:{access}"]
        pointer = jp.join(operation.pointer, "x-scopes")
        value = operation.node.get("x-scopes")
        if operation.resource not in SCOPE_RESOURCES:
            yield operation.pointer, f"{operation.resource!r} is not one of the API's resources"
        elif value != expected:
            yield pointer, f"{operation.label} must declare x-scopes {expected}, has {value!r}"


@rule("SPEC-015", "Every path parameter is a positive integer id (type integer, minimum 1).")
def path_ids(document: Document) -> Iterator[Finding]:
    reported: set[str] = set()
    for operation in operations(document):
        for (where, name), parameter in operation_parameters(document, operation).items():
            if where != "path" or parameter.pointer in reported:
                continue
            reported.add(parameter.pointer)
            schema, _ = document.deref(mapping(parameter.node.get("schema")), parameter.pointer)
            minimum = schema.get("minimum") if isinstance(schema, dict) else None
            if schema.get("type") != "integer" or not isinstance(minimum, int) or minimum < 1:
                yield (
                    jp.join(parameter.pointer, "schema"),
                    f"path parameter {name!r} must be integer, minimum 1",
                )


@rule("SPEC-016", "Every parameter's schema has a top-level type (Connexion parses values by it).")
def parameter_types(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        for parameter in operation_parameters(document, operation).values():
            raw = parameter.node.get("schema")
            if not isinstance(raw, dict):
                continue  # SPEC-001: a parameter needs a schema
            schema, pointer = document.deref(raw, jp.join(parameter.pointer, "schema"))
            if isinstance(schema, dict) and "type" not in schema:
                yield jp.join(pointer, "type"), "Connexion 3.3 parses parameters by schema.type"
