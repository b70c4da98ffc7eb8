"""Rules over request bodies: their own create and update schemas, closed to unknown
fields, partial on update, without read-only fields."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schedulingkit.openapi import pointer as jp
from schedulingkit.spec import schemas
from schedulingkit.spec.loader import Document, mapping
from schedulingkit.spec.objects import Located, operations
from schedulingkit.spec.registry import Finding, Rule, registrar

RULES: list[Rule] = []
rule = registrar(RULES)

BODY_SCHEMA = {
    "post": re.compile(r"^#/components/schemas/\w+Create$"),
    "put": re.compile(r"^#/components/schemas/\w+Update$"),
}


def request_schemas(document: Document) -> Iterator[tuple[str, Located]]:
    """Each (method, resolved schema) of a POST or PUT request body, each schema once."""
    seen: set[str] = set()
    for operation in operations(document):
        body = operation.node.get("requestBody")
        if operation.method not in BODY_SCHEMA or not isinstance(body, dict):
            continue
        body, pointer = document.deref(body, jp.join(operation.pointer, "requestBody"))
        media = mapping(mapping(body.get("content")).get("application/json"))
        if "schema" in media:
            schema = Located(
                *document.deref(
                    media["schema"], jp.join(pointer, "content", "application/json", "schema")
                )
            )
            if schema.pointer not in seen:
                seen.add(schema.pointer)
                yield operation.method, schema


def reachable(document: Document, schema: Located) -> Iterator[Located]:
    """`schema` and every schema inside it, following `$ref`s, each once."""
    seen: set[str] = set()
    pending = [(schema.node, schema.pointer)]
    while pending:
        node, pointer = document.deref(*pending.pop())
        if pointer in seen or not isinstance(node, dict):
            continue
        seen.add(pointer)
        yield Located(node, pointer)
        pending.extend(reversed(list(schemas.children(node, pointer))))


@rule("SPEC-045", "POST and PUT take a required JSON body: $ref <Name>Create / <Name>Update.")
def request_body(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        pointer = jp.join(operation.pointer, "requestBody")
        raw = operation.node.get("requestBody")
        pattern = BODY_SCHEMA.get(operation.method)
        if pattern is None:
            if raw is not None:
                yield pointer, f"{operation.label} takes no body"
            continue
        if not isinstance(raw, dict):
            yield pointer, f"{operation.label} needs a request body"
            continue
        body, pointer = document.deref(raw, pointer)
        content = mapping(body.get("content"))
        ref = mapping(mapping(content.get("application/json")).get("schema")).get("$ref", "")
        if body.get("required") is not True:
            yield jp.join(pointer, "required"), "the request body is required"
        if set(content) != {"application/json"}:
            yield jp.join(pointer, "content"), "the only media type is application/json"
        elif not pattern.match(ref):
            kind = "Create" if operation.method == "post" else "Update"
            yield (
                jp.join(pointer, "content", "application/json", "schema"),
                f"must be $ref a <Name>{kind} schema",
            )


@rule("SPEC-046", "Request schemas, and every object inside them, set additionalProperties: false.")
def closed_requests(document: Document) -> Iterator[Finding]:
    for _, schema in request_schemas(document):
        for found in reachable(document, schema):
            is_object = found.node.get("type") == "object" or "properties" in found.node
            if is_object and found.node.get("additionalProperties") is not False:
                yield (
                    jp.join(found.pointer, "additionalProperties"),
                    "unknown fields are rejected: false",
                )


@rule("SPEC-047", "Update schemas require nothing (PUT is a partial update).")
def partial_updates(document: Document) -> Iterator[Finding]:
    for method, schema in request_schemas(document):
        if method == "put" and schemas.required(document, schema.node, schema.pointer):
            yield jp.join(schema.pointer, "required"), "every field of an update is optional"


@rule("SPEC-048", "Request schemas have no readOnly properties (the server rejects them).")
def no_read_only_in_requests(document: Document) -> Iterator[Finding]:
    for _, schema in request_schemas(document):
        for found in reachable(document, schema):
            if found.node.get("readOnly") is True:
                yield (
                    jp.join(found.pointer, "readOnly"),
                    "a request schema cannot hold read-only fields",
                )
