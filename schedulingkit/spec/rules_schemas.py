"""Rules over schemas: types, examples (present and valid), required fields, money,
read-only server fields, formats, bounds (field values, array lengths), enums, and `$ref`
without siblings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from schedulingkit.openapi import pointer as jp
from schedulingkit.spec import schemas
from schedulingkit.spec.examples import ExampleValidator
from schedulingkit.spec.loader import Document, mapping, sequence
from schedulingkit.spec.objects import Located, headers, media_types, parameters
from schedulingkit.spec.registry import Finding, Rule, registrar
from schedulingkit.spec.rules_requests import reachable, request_schemas

RULES: list[Rule] = []
rule = registrar(RULES)

MONEY = re.compile(r"^(amount|price|fee|total|subtotal)$|_(amount|price|fee|total)$|^amount_")
SERVER_FIELDS = ("id", "created_at", "updated_at")
ENUM_FIELDS = ("status", "kind", "type")
FORMATS = (
    (re.compile(r"_at$"), "date-time"),
    (re.compile(r"^(date|.+_date)$"), "date"),
    (re.compile(r"^email$"), "email"),
)


def _component_schemas(document: Document) -> Iterator[tuple[str, Any, str]]:
    for name, schema in mapping(document.get("/components/schemas")).items():
        yield name, schema, jp.join("/components/schemas", name)


def _named_properties(document: Document) -> Iterator[tuple[str, Any, str]]:
    """Each (name, schema, pointer) of a property written in the document."""
    for schema, pointer in schemas.all_schemas(document):
        if isinstance(schema, dict) and "$ref" not in schema:
            for name, sub in mapping(schema.get("properties")).items():
                yield name, sub, jp.join(pointer, "properties", name)


@rule("SPEC-050", "Every schema has a type (or is a $ref or an allOf/oneOf/anyOf).")
def typed(document: Document) -> Iterator[Finding]:
    for schema, pointer in schemas.all_schemas(document):
        if not isinstance(schema, dict):
            continue
        if (
            "type" not in schema
            and "$ref" not in schema
            and not any(k in schema for k in schemas.COMPOSITIONS)
        ):
            yield pointer, "has no type"


@rule("SPEC-061", "nullable: true stands beside a type in the same schema (OpenAPI 3.0.3).")
def nullable_with_type(document: Document) -> Iterator[Finding]:
    for schema, pointer in schemas.all_schemas(document):
        if isinstance(schema, dict) and schema.get("nullable") is True and "type" not in schema:
            yield jp.join(pointer, "nullable"), "nullable without a type has no effect"


@rule("SPEC-051", "Every component schema has a realistic example.")
def schema_examples(document: Document) -> Iterator[Finding]:
    for name, schema, pointer in _component_schemas(document):
        if isinstance(schema, dict) and "example" not in schema:
            yield jp.join(pointer, "example"), f"schema {name} has no example"


@rule("SPEC-052", "Every request and response body has an example (its own or its schemas').")
def body_examples(document: Document) -> Iterator[Finding]:
    for media in media_types(document):
        if "example" in media.node or media.node.get("examples"):
            continue
        schema = media.node.get("schema")
        if schema is None or not _has_example(document, schema, jp.join(media.pointer, "schema")):
            yield jp.join(media.pointer, "example"), "body has no example"


def _has_example(document: Document, schema: Any, pointer: str, depth: int = 0) -> bool:
    """Whether an example of `schema` exists: its own, or one made of its parts' examples
    (an envelope `{data: <$ref Event>}` is shown with the example of `Event`)."""
    schema, pointer = document.deref(schema, pointer)
    if not isinstance(schema, dict) or depth > 20:
        return False
    if "example" in schema:
        return True
    if schema.get("type") == "array" and "items" in schema:
        return _has_example(document, schema["items"], jp.join(pointer, "items"), depth + 1)
    parts = list(schemas.properties(document, schema, pointer).values())
    return bool(parts) and all(_has_example(document, *part, depth + 1) for part in parts)


@rule("SPEC-053", "Every example validates against its schema (OpenAPI 3.0: nullable, readOnly).")
def valid_examples(document: Document) -> Iterator[Finding]:
    validator = ExampleValidator(document)
    contexts = _example_contexts(document)
    for schema, pointer in schemas.all_schemas(document):
        if isinstance(schema, dict) and "example" in schema and "$ref" not in schema:
            at = jp.join(pointer, "example")
            yield from validator.errors(schema["example"], at, pointer, contexts.get(pointer))
    for context in ("request", "response"):
        for media in media_types(document, context):
            yield from _object_examples(document, validator, media.node, media.pointer, context)
    for holder in (*parameters(document), *headers(document)):
        yield from _object_examples(document, validator, holder.node, holder.pointer, None)


def _example_contexts(document: Document) -> dict[str, str]:
    """Schemas used only in request bodies ("request": readOnly fields are errors) or only
    in responses ("response": writeOnly fields are errors); the others are checked plainly."""
    used: dict[str, set[str]] = {}
    for context in ("request", "response"):
        for media in media_types(document, context):
            if "schema" in media.node:
                root = Located(media.node["schema"], jp.join(media.pointer, "schema"))
                for found in reachable(document, root):
                    used.setdefault(found.pointer, set()).add(context)
    return {pointer: next(iter(seen)) for pointer, seen in used.items() if len(seen) == 1}


def _object_examples(
    document: Document, validator: ExampleValidator, node: Any, pointer: str, context: str | None
) -> Iterator[Finding]:
    """Validate the `example` / `examples` of a media type, parameter or header."""
    if "schema" not in node:
        return
    _, schema_pointer = document.deref(node["schema"], jp.join(pointer, "schema"))
    found = [(node["example"], jp.join(pointer, "example"))] if "example" in node else []
    for name, raw in mapping(node.get("examples")).items():
        example, at = document.deref(raw, jp.join(pointer, "examples", name))
        if isinstance(example, dict) and "value" in example:
            found.append((example["value"], jp.join(at, "value")))
    for value, at in found:
        yield from validator.errors(value, at, schema_pointer, context)


@rule("SPEC-054", "Every name in `required` is a declared property.")
def required_declared(document: Document) -> Iterator[Finding]:
    for schema, pointer in schemas.all_schemas(document):
        if not isinstance(schema, dict) or "$ref" in schema:
            continue
        declared = schemas.properties(document, schema, pointer)
        for index, name in enumerate(sequence(schema.get("required"))):
            if name not in declared:
                yield jp.join(pointer, "required", index), f"{name!r} is not a property"


@rule("SPEC-055", "Money fields (amount, price, fee, total, ...) are integers in minor units.")
def integer_money(document: Document) -> Iterator[Finding]:
    for name, schema, pointer in _named_properties(document):
        if MONEY.search(name) and schemas.keyword(document, schema, pointer, "type") != "integer":
            yield jp.join(pointer, "type"), f"{name} is money: type integer (minor units)"


@rule("SPEC-056", "Server-managed fields (id, created_at, updated_at) are readOnly.")
def read_only_server_fields(document: Document) -> Iterator[Finding]:
    in_requests = {
        found.pointer
        for _, schema in request_schemas(document)
        for found in reachable(document, schema)
    }
    for name, schema, pointer in _named_properties(document):
        if name not in SERVER_FIELDS or pointer.rsplit("/properties/", 1)[0] in in_requests:
            continue
        if schemas.keyword(document, schema, pointer, "readOnly") is not True:
            yield jp.join(pointer, "readOnly"), f"{name} is set by the server: readOnly: true"


@rule("SPEC-057", "Field formats: *_at date-time, date / *_date date, email email.")
def field_formats(document: Document) -> Iterator[Finding]:
    for name, schema, pointer in _named_properties(document):
        for pattern, wanted in FORMATS:
            if pattern.search(name):
                if schemas.keyword(document, schema, pointer, "format") != wanted:
                    yield jp.join(pointer, "format"), f"{name} must be a string of format {wanted}"
                break


@rule("SPEC-058", "Request fields are bounded: integers have minimum, free-text strings maxLength.")
def bounded_requests(document: Document) -> Iterator[Finding]:
    for _, schema in request_schemas(document):
        for found in reachable(document, schema):
            node = found.node
            if node.get("type") == "integer" and "minimum" not in node:
                yield jp.join(found.pointer, "minimum"), "an integer field needs a minimum"
            free_text = not any(key in node for key in ("enum", "format", "pattern"))
            if node.get("type") == "string" and free_text and "maxLength" not in node:
                yield jp.join(found.pointer, "maxLength"), "a free-text field needs a maxLength"


@rule("SPEC-062", "Every array has maxItems: no request or answer holds an unbounded list.")
def bounded_arrays(document: Document) -> Iterator[Finding]:
    for schema, pointer in schemas.all_schemas(document):
        if isinstance(schema, dict) and schema.get("type") == "array" and "maxItems" not in schema:
            yield jp.join(pointer, "maxItems"), "an array needs a maxItems"


@rule("SPEC-059", "status, kind and type fields are enums.")
def enum_fields(document: Document) -> Iterator[Finding]:
    for name, schema, pointer in _named_properties(document):
        is_text = schemas.keyword(document, schema, pointer, "type") == "string"
        if (
            name in ENUM_FIELDS
            and is_text
            and not schemas.keyword(document, schema, pointer, "enum")
        ):
            yield jp.join(pointer, "enum"), f"{name} takes a fixed set of values: enum"


@rule("SPEC-060", "A $ref has no sibling keywords (OpenAPI 3.0 ignores them).")
def ref_siblings(document: Document) -> Iterator[Finding]:
    yield from _ref_siblings(document.raw, "", "")


def _ref_siblings(node: Any, pointer: str, parent: str) -> Iterator[Finding]:
    if isinstance(node, dict):
        if "$ref" in node and len(node) > 1 and parent != "properties":
            extra = sorted(str(key) for key in node if key != "$ref")
            yield pointer, f"keywords beside $ref are ignored: {extra}"
        for key, value in node.items():
            is_data = key in ("example", "value") and parent != "properties"
            if not is_data and not str(key).startswith("x-"):
                yield from _ref_siblings(value, jp.join(pointer, str(key)), str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _ref_siblings(value, jp.join(pointer, index), parent)


@rule(
    "SPEC-068",
    "x-transitions sits on a string enum and maps every value to the values it may move to.",
)
def transitions(document: Document) -> Iterator[Finding]:
    for schema, pointer in schemas.all_schemas(document):
        if not isinstance(schema, dict) or "x-transitions" not in schema:
            continue
        here = jp.join(pointer, "x-transitions")
        table, values = schema["x-transitions"], sequence(schema.get("enum"))
        if schema.get("type") != "string" or not values:
            yield here, "stands on a schema that is not a string enum"
            continue
        if not isinstance(table, dict):
            yield here, "is not a mapping of value -> [values]"
            continue
        for value in values:
            if value not in table:
                yield here, f"says nothing about {value!r} (write [] for a final value)"
        for source, targets in table.items():
            if source not in values:
                yield jp.join(here, source), f"{source!r} is not a value of the enum"
            for index, target in enumerate(sequence(targets)):
                if target not in values:
                    yield jp.join(here, source, index), f"{target!r} is not a value of the enum"
            if not isinstance(targets, list):
                yield jp.join(here, source), "is not a list of values"
