"""Schema Objects read for people: a type label, constraints in words, and every field of an
object as one row, nested fields by dotted path (`address.city`, `items[].quantity`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from schedulingkit.docs.refs import Resolver, ref_name
from schedulingkit.openapi.contract import transition_table

COMPOSITIONS = ("anyOf", "oneOf")
# The shared schemas of every list's `links` and `meta` (openapi/README.md): described once
# per page, in its Pagination section, instead of under every list operation.
PAGINATION_SCHEMAS = frozenset({"PaginationLinks", "PaginationMeta"})
PAGINATION = ("Pagination", "pagination")
# Patterns in words. A pattern without words here is left out of the pages (never shown as a
# regular expression); tests/test_docs_reader.py holds every pattern of the document to it.
PATTERN_WORDS = {
    r"^[^\u0000]*$": "no NUL characters",
    r"^[A-Z]{2}$": "2 capital letters",
    r"^[A-Z]{3}$": "3 capital letters",
    r"^#[0-9A-Fa-f]{6}$": "`#` and 6 hexadecimal digits",
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$": "lowercase letters and digits, in words joined by one `-`",
    r"^[A-Za-z0-9][A-Za-z0-9-]*$": "letters, digits and `-`, starting with a letter or digit",
    r"^\+?[0-9 ().-]{5,32}$": "5 to 32 digits, spaces and `( ) . -`, after an optional `+`",
    r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$": "a number from 0 to 100, at most 2 decimals",
    r"^[0-9]{1,3}\.[0-9]{2}$": "a number below 1000 with 2 decimals",
}
# Bounds that only say what the integer type holds (int32, int64): not the reader's concern.
INTERNAL_BOUNDS = frozenset({2**31 - 1, 2**63 - 1})


@dataclass(frozen=True)
class FieldRow:
    """One property of a request or response body."""

    path: str
    type: str
    required: bool
    read_only: bool
    nullable: bool
    enum: list[Any] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    description: str = ""
    # the page section that describes this field once: (title, anchor suffix)
    see: tuple[str, str] | None = None
    transitions: dict[str, tuple[str, ...]] | None = None  # `x-transitions`: value -> next values
    full_description: str = ""  # the description the section shows (rows show its start)


def object_parts(resolver: Resolver, schema: Any) -> tuple[dict[str, Any], set[str]]:
    """The properties and required names of an object schema, merged across `allOf`."""
    schema = resolver.resolve(schema)
    properties: dict[str, Any] = {}
    required: set[str] = set()
    if not isinstance(schema, dict):
        return properties, required
    for part in schema.get("allOf") or []:
        part_properties, part_required = object_parts(resolver, part)
        properties.update(part_properties)
        required |= part_required
    properties.update(schema.get("properties") or {})
    required |= set(schema.get("required") or [])
    return properties, required


def type_label(resolver: Resolver, schema: Any, depth: int = 0) -> str:
    """`string (date-time)`, `array of Event`, `map of array of string`, `string or integer`:
    a named object schema is called by its name, whose fields the table lists below it."""
    name = ref_name(schema)
    if name is not None and object_parts(resolver, schema)[0]:
        return name
    schema = resolver.resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return "any"
    for key in COMPOSITIONS:
        if schema.get(key):
            return " or ".join(type_label(resolver, part, depth + 1) for part in schema[key])
    kind = schema.get("type")
    if kind == "array":
        return "array of " + type_label(resolver, schema.get("items") or {}, depth + 1)
    extra = schema.get("additionalProperties")
    if kind in (None, "object") and isinstance(extra, dict) and not schema.get("properties"):
        return "map of " + type_label(resolver, extra, depth + 1)
    if kind is None:
        kind = "object" if schema.get("properties") or schema.get("allOf") else "any"
    return f"{kind} ({schema['format']})" if schema.get("format") else kind


def _bounds(low: Any, high: Any, noun: str) -> str | None:
    if low is not None and high is not None:
        return f"{noun} {low} to {high}"
    if low is not None:
        return f"{noun} ≥ {low}"
    if high is not None:
        return f"{noun} ≤ {high}"
    return None


def constraints(resolver: Resolver, schema: Any) -> list[str]:
    """The validation keywords of a schema, in words (`length 1 to 255`, `pattern ^[A-Z]{3}$`)."""
    schema = resolver.resolve(schema)
    if not isinstance(schema, dict):
        return []
    maximum = schema.get("maximum")
    found = [
        _bounds(schema.get("minLength"), schema.get("maxLength"), "length"),
        _bounds(schema.get("minimum"), None if maximum in INTERNAL_BOUNDS else maximum, "value"),
        _bounds(schema.get("minItems"), schema.get("maxItems"), "items"),
    ]
    if schema.get("uniqueItems"):
        found.append("unique items")
    if schema.get("pattern") in PATTERN_WORDS:
        found.append(PATTERN_WORDS[schema["pattern"]])
    if "default" in schema:
        found.append(f"default `{json.dumps(schema['default'], ensure_ascii=False)}`")
    if schema.get("additionalProperties") is False:
        found.append("no other fields")
    return [text for text in found if text]


def enum_values(resolver: Resolver, schema: Any) -> list[Any]:
    """The allowed values of a schema, or of its items for an array of an enum."""
    schema = resolver.resolve(schema)
    if not isinstance(schema, dict):
        return []
    if "enum" in schema:
        return list(schema["enum"])
    if schema.get("type") == "array":
        items = resolver.resolve(schema.get("items") or {})
        return list(items.get("enum") or []) if isinstance(items, dict) else []
    return []


def _nested_object(resolver: Resolver, schema: Any) -> tuple[Any, str] | None:
    """The object schema whose fields are listed under a field, and the path joint to use."""
    resolved = resolver.resolve(schema)
    if not isinstance(resolved, dict):
        return None
    if resolved.get("type") == "array":
        items = resolved.get("items") or {}
        return (items, "[].") if object_parts(resolver, items)[0] else None
    return (schema, ".") if object_parts(resolver, schema)[0] else None


def _description(resolver: Resolver, schema: dict) -> str:
    """A field's description, or for an undescribed array that of its items."""
    if schema.get("description"):
        return str(schema["description"])
    if schema.get("type") == "array":
        items = resolver.resolve(schema.get("items") or {})
        if isinstance(items, dict) and items.get("description"):
            return str(items["description"])
    return ""


def first_sentence(text: str) -> str:
    """The text up to its first full stop followed by a space or the end."""
    match = re.match(r"(.+?\.)(\s|$)", " ".join(text.split()))
    return match.group(1) if match else text


def field_rows(
    resolver: Resolver,
    schema: Any,
    prefix: str = "",
    seen: tuple[int, ...] = (),
    expand_pagination: bool = False,
) -> Iterator[FieldRow]:
    """Every field of an object schema, depth first; a schema already being listed higher up
    the path (a recursive schema, however it is referenced) is named but not listed again.
    The pagination schemas are named, not listed (their fields have a section of their own),
    unless `expand_pagination`; a field with `x-transitions` gets a short description and
    points to its lifecycle section."""
    seen = (*seen, id(resolver.resolve(schema)))
    properties, required = object_parts(resolver, schema)
    for key, sub in properties.items():
        resolved = resolver.resolve(sub)
        resolved = resolved if isinstance(resolved, dict) else {}
        path = prefix + key
        description = _description(resolver, resolved)
        paginated = ref_name(sub) in PAGINATION_SCHEMAS and not expand_pagination
        transitions = transition_table(resolved)
        see = None
        if paginated:
            see = PAGINATION
        elif transitions is not None:
            see = (f"`{key}` lifecycle", f"{key}-lifecycle")
        yield FieldRow(
            path=path,
            type=type_label(resolver, sub),
            required=key in required,
            read_only=bool(resolved.get("readOnly")),
            nullable=bool(resolved.get("nullable")),
            enum=enum_values(resolver, sub),
            constraints=constraints(resolver, sub),
            description=first_sentence(description) if transitions else description,
            see=see,
            transitions=transitions,
            full_description=description,
        )
        nested = _nested_object(resolver, sub)
        if nested is None or paginated:
            continue
        child, joint = nested
        if id(resolver.resolve(child)) in seen:
            continue
        yield from field_rows(resolver, child, path + joint, seen, expand_pagination)
