"""Reading Schema Objects the way the contract's rules need: through `$ref` and `allOf`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from schedulingkit.openapi import pointer as jp
from schedulingkit.spec.loader import Document, mapping, sequence

Located = tuple[Any, str]

COMPOSITIONS = ("allOf", "oneOf", "anyOf")


def children(schema: Any, pointer: str) -> Iterator[Located]:
    """The Schema Objects written directly inside `schema` (a `$ref` is not followed)."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    for name, sub in mapping(schema.get("properties")).items():
        yield sub, jp.join(pointer, "properties", name)
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield schema[key], jp.join(pointer, key)
    for key in COMPOSITIONS:
        for index, sub in enumerate(sequence(schema.get(key))):
            yield sub, jp.join(pointer, key, index)


def walk(schema: Any, pointer: str) -> Iterator[Located]:
    """`schema` and every Schema Object written inside it, depth first, `$ref`s not followed."""
    yield schema, pointer
    for sub, sub_pointer in children(schema, pointer):
        yield from walk(sub, sub_pointer)


def properties(document: Document, schema: Any, pointer: str) -> dict[str, Located]:
    """The properties of an object schema, merged across `allOf`, each with its pointer."""
    schema, pointer = document.deref(schema, pointer)
    found: dict[str, Located] = {}
    if not isinstance(schema, dict):
        return found
    for index, part in enumerate(sequence(schema.get("allOf"))):
        found.update(properties(document, part, jp.join(pointer, "allOf", index)))
    for name, sub in mapping(schema.get("properties")).items():
        found[name] = (sub, jp.join(pointer, "properties", name))
    return found


def required(document: Document, schema: Any, pointer: str) -> set[str]:
    """The required property names of an object schema, merged across `allOf`."""
    schema, pointer = document.deref(schema, pointer)
    if not isinstance(schema, dict):
        return set()
    names = set(sequence(schema.get("required")))
    for index, part in enumerate(sequence(schema.get("allOf"))):
        names |= required(document, part, jp.join(pointer, "allOf", index))
    return names


def keyword(document: Document, schema: Any, pointer: str, name: str) -> Any:
    """A keyword's value on `schema`, looking through `$ref` and `allOf` (first found wins)."""
    schema, pointer = document.deref(schema, pointer)
    if not isinstance(schema, dict):
        return None
    if name in schema:
        return schema[name]
    for index, part in enumerate(sequence(schema.get("allOf"))):
        value = keyword(document, part, jp.join(pointer, "allOf", index), name)
        if value is not None:
            return value
    return None


def value_type(document: Document, schema: Any, pointer: str) -> str | None:
    """The JSON type of a schema's values, through `$ref`, `allOf` and alternatives that
    agree (`anyOf: [{type: string, format: date}, {type: string, format: date-time}]`)."""
    schema, pointer = document.deref(schema, pointer)
    if not isinstance(schema, dict):
        return None
    if "type" in schema:
        return schema["type"]
    for index, part in enumerate(sequence(schema.get("allOf"))):
        found = value_type(document, part, jp.join(pointer, "allOf", index))
        if found is not None:
            return found
    for key in ("anyOf", "oneOf"):
        parts = sequence(schema.get(key))
        types = {
            value_type(document, part, jp.join(pointer, key, i)) for i, part in enumerate(parts)
        }
        if len(types) == 1:
            return types.pop()
    return None


def field(document: Document, schema: Any, pointer: str, path: str) -> Located | None:
    """The schema of the property at dotted `path` (`address.city`) of an object schema."""
    for name in path.split("."):
        found = properties(document, schema, pointer).get(name)
        if found is None:
            return None
        schema, pointer = found
    return document.deref(schema, pointer)


def nullable(document: Document, schema: Any, pointer: str) -> bool:
    """Whether `null` is a declared value of `schema`."""
    return keyword(document, schema, pointer, "nullable") is True


def schema_roots(document: Document) -> Iterator[Located]:
    """Every Schema Object the document defines at the top of a component, parameter,
    header or media type (the places a schema can start); nested ones come from `walk`."""
    from schedulingkit.spec.objects import headers, media_types, parameters

    for name, schema in mapping(document.get("/components/schemas")).items():
        yield schema, jp.join("/components/schemas", name)
    for located in (*parameters(document), *headers(document), *media_types(document)):
        node, pointer = located.node, located.pointer
        if isinstance(node, dict) and isinstance(node.get("schema"), dict):
            yield node["schema"], jp.join(pointer, "schema")


def all_schemas(document: Document) -> Iterator[Located]:
    """Every Schema Object written in the document, each once, with its pointer."""
    for schema, pointer in schema_roots(document):
        yield from walk(schema, pointer)
