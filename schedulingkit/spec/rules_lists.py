"""Rules over list operations: shared pagination, the list envelope, x-ordering, x-filter
and the standard filters (search, status, from/to)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from schedulingkit.openapi import pointer as jp
from schedulingkit.openapi.contract import FILTER_OPS, SORT_DIRECTIONS
from schedulingkit.spec import schemas
from schedulingkit.spec.loader import Document, mapping, sequence
from schedulingkit.spec.objects import (
    PAGINATION_PARAMETERS,
    Located,
    Operation,
    data_ref,
    is_list,
    item_schema,
    json_schema,
    operations,
    parameter_refs,
    query_parameters,
    success,
)
from schedulingkit.spec.registry import Finding, Rule, registrar

RULES: list[Rule] = []
rule = registrar(RULES)

LINKS_SCHEMA = "#/components/schemas/PaginationLinks"
META_SCHEMA = "#/components/schemas/PaginationMeta"
PAGE_BOUNDS = {
    "page": {"minimum": 1, "default": 1},
    "per_page": {"minimum": 1, "maximum": 100, "default": 15},
}
META_FIELDS = ("current_page", "from", "last_page", "per_page", "to", "total", "path")
LINK_FIELDS = ("first", "last", "prev", "next")
NULLABLE_PAGINATION = {META_SCHEMA: ("from", "to"), LINKS_SCHEMA: ("prev", "next")}
SORTABLE_TYPES = ("string", "integer", "boolean")
# The contract's date-range lists (the help page's `from` / `to`).
DATE_RANGE_RESOURCES = ("events", "invoices", "transactions")


def list_operations(document: Document) -> list[Operation]:
    return [operation for operation in operations(document) if is_list(document, operation)]


def filters(document: Document, operation: Operation) -> dict[str, Located]:
    """The filter parameters of a list operation: its query parameters but pagination."""
    return {
        name: parameter
        for name, parameter in query_parameters(document, operation).items()
        if name not in PAGINATION_PARAMETERS
    }


@rule("SPEC-030", "Every list operation uses the shared page and per_page parameters ($ref).")
def shared_pagination(document: Document) -> Iterator[Finding]:
    for operation in list_operations(document):
        names = set()
        for ref in parameter_refs(document, operation):
            if ref.startswith("#/components/parameters/"):
                target = document.get(ref[1:])
                if isinstance(target, dict) and target.get("in") == "query":
                    names.add(target.get("name"))
        for name in PAGINATION_PARAMETERS:
            if name not in names:
                yield (
                    jp.join(operation.pointer, "parameters"),
                    f"{operation.label} lacks shared {name}",
                )


@rule(
    "SPEC-031", "Shared pagination components follow the contract (bounds, meta and links fields)."
)
def pagination_components(document: Document) -> Iterator[Finding]:
    for name, parameter in mapping(document.get("/components/parameters")).items():
        if not isinstance(parameter, dict) or parameter.get("name") not in PAGE_BOUNDS:
            continue
        pointer = jp.join("/components/parameters", name, "schema")
        schema = mapping(parameter.get("schema"))
        bounds = PAGE_BOUNDS[parameter["name"]]
        found = {key: schema.get(key) for key in bounds}
        if schema.get("type") != "integer" or found != bounds or parameter.get("in") != "query":
            yield pointer, f"{parameter['name']} must be a query integer with {bounds}"
    for ref, fields in ((META_SCHEMA, META_FIELDS), (LINKS_SCHEMA, LINK_FIELDS)):
        pointer = ref[1:]
        schema = document.get(pointer)
        if not isinstance(schema, dict):
            yield pointer, "the shared pagination schema is missing"
            continue
        props = schemas.properties(document, schema, pointer)
        if set(props) != set(fields) or schemas.required(document, schema, pointer) != set(fields):
            yield pointer, f"must have exactly the required properties {list(fields)}"
            continue
        for field in NULLABLE_PAGINATION[ref]:
            if not schemas.nullable(document, *props[field]):
                yield props[field][1], f"{field} is null where there is none: nullable: true"


@rule(
    "SPEC-032", "A list answers 200 {data: [item], links: PaginationLinks, meta: PaginationMeta}."
)
def list_envelope(document: Document) -> Iterator[Finding]:
    for operation in list_operations(document):
        found = success(document, operation)
        if found is None:
            continue  # SPEC-020
        body = json_schema(document, found[1])
        if body is None:
            yield jp.join(found[1].pointer, "content"), "needs an application/json schema"
            continue
        props = schemas.properties(document, body.node, body.pointer)
        wanted = {"data", "links", "meta"}
        if set(props) != wanted or schemas.required(document, body.node, body.pointer) != wanted:
            yield body.pointer, "must have exactly the required properties data, links, meta"
            continue
        data = document.deref(*props["data"])
        if data[0].get("type") != "array" or "$ref" not in mapping(data[0].get("items")):
            yield data[1], "data must be an array of $ref items"
        for name, ref in (("links", LINKS_SCHEMA), ("meta", META_SCHEMA)):
            node, pointer = props[name]
            if not isinstance(node, dict) or node.get("$ref") != ref:
                yield pointer, f"{name} must be $ref {ref}"


@rule("SPEC-041", "A list's items have the schema its resource's GET /{id} answers.")
def items_are_the_resource(document: Document) -> Iterator[Finding]:
    for operation in list_operations(document):
        single = _single_resource_get(document, operation)
        if single is None:
            continue
        expected, actual = data_ref(document, single), data_ref(document, operation)
        if expected and actual != expected:
            yield (
                jp.join(operation.pointer, "responses", "200"),
                f"items must be {expected}, as {single.label} answers; found {actual}",
            )


def _single_resource_get(document: Document, operation: Operation) -> Operation | None:
    """`GET /events/{id}` for the list `GET /events`."""
    item_path = re.compile(re.escape(operation.path) + r"/\{[^}/]+\}")
    for candidate in operations(document):
        if candidate.method == "get" and item_path.fullmatch(candidate.path):
            return candidate
    return None


@rule("SPEC-033", "Every list has x-ordering: [{field, direction}] over scalar fields of items.")
def ordering_declared(document: Document) -> Iterator[Finding]:
    for operation in list_operations(document):
        pointer = jp.join(operation.pointer, "x-ordering")
        keys = operation.node.get("x-ordering")
        if not isinstance(keys, list) or not keys:
            yield pointer, f"{operation.label} must declare its order"
            continue
        item = item_schema(document, operation)
        seen: set[Any] = set()
        for index, key in enumerate(keys):
            key_pointer = jp.join(pointer, index)
            if not isinstance(key, dict) or set(key) != {"field", "direction"}:
                yield key_pointer, "a sort key is exactly {field, direction}"
            elif key["direction"] not in SORT_DIRECTIONS:
                yield (
                    jp.join(key_pointer, "direction"),
                    f"direction must be one of {SORT_DIRECTIONS}",
                )
            elif key["field"] in seen:
                yield jp.join(key_pointer, "field"), f"{key['field']!r} is already a sort key"
            elif item is not None:
                yield from _sortable(document, item, str(key["field"]), key_pointer)
            if isinstance(key, dict):
                seen.add(key.get("field"))


def _sortable(document: Document, item: Located, name: str, pointer: str) -> Iterator[Finding]:
    found = schemas.field(document, item.node, item.pointer, name)
    if found is None:
        yield jp.join(pointer, "field"), f"items have no field {name!r}"
    elif schemas.value_type(document, *found) not in SORTABLE_TYPES:
        yield jp.join(pointer, "field"), f"{name!r} is not a string, integer or boolean"


@rule("SPEC-034", "x-ordering ends with a unique key (id; a required field when items have no id).")
def ordering_unique_last(document: Document) -> Iterator[Finding]:
    for operation in list_operations(document):
        keys = operation.node.get("x-ordering")
        item = item_schema(document, operation)
        if not isinstance(keys, list) or not keys or item is None:
            continue
        fields = [key.get("field") if isinstance(key, dict) else None for key in keys]
        pointer = jp.join(operation.pointer, "x-ordering")
        props = schemas.properties(document, item.node, item.pointer)
        if "id" in props:
            if "id" in fields[:-1]:
                yield (
                    jp.join(pointer, fields.index("id") + 1),
                    "keys after the unique id never apply",
                )
            elif fields[-1] != "id":
                yield jp.join(pointer, len(keys) - 1), "the last key must be the unique id"
            continue
        last = fields[-1]
        found = props.get(last) if isinstance(last, str) else None
        required = schemas.required(document, item.node, item.pointer)
        if found is None or last not in required or schemas.nullable(document, *found):
            yield (
                jp.join(pointer, len(keys) - 1),
                "items have no id: end with a required, non-null key",
            )


@rule(
    "SPEC-035",
    "Every filter (a list's query parameter but page/per_page) is optional, has x-filter.",
)
def filter_declared(document: Document) -> Iterator[Finding]:
    lists = list_operations(document)
    for operation in lists:
        for name, parameter in filters(document, operation).items():
            if "x-filter" not in parameter.node:
                yield (
                    jp.join(parameter.pointer, "x-filter"),
                    f"filter {name!r} does not say what it keeps",
                )
            if parameter.node.get("required") is True:
                yield jp.join(parameter.pointer, "required"), f"filter {name!r} must be optional"
    on_lists = {p.pointer for operation in lists for p in filters(document, operation).values()}
    for operation in operations(document):
        for parameter in query_parameters(document, operation).values():
            if "x-filter" in parameter.node and parameter.pointer not in on_lists:
                yield (
                    jp.join(parameter.pointer, "x-filter"),
                    "x-filter only belongs on a list's filters",
                )


@rule("SPEC-036", "x-filter is {op, field} (or {op: search, fields}) over fields the items have.")
def filter_fields(document: Document) -> Iterator[Finding]:
    for operation, name, parameter, spec in _declared_filters(document):
        pointer = jp.join(parameter.pointer, "x-filter")
        op = spec.get("op") if isinstance(spec, dict) else None
        keys = {"op", "fields"} if op == "search" else {"op", "field"}
        if op not in FILTER_OPS or set(spec) != keys:
            yield (
                pointer,
                f"filter {name!r}: must be one of {FILTER_OPS} with exactly {sorted(keys)}",
            )
            continue
        fields = spec["fields"] if op == "search" else [spec["field"]]
        if not isinstance(fields, list) or not fields:
            yield jp.join(pointer, "fields"), "search needs a non-empty list of fields"
            continue
        item = item_schema(document, operation)
        for index, field in enumerate(fields):
            at = jp.join(pointer, "fields", index) if op == "search" else jp.join(pointer, "field")
            if (
                item is not None
                and schemas.field(document, item.node, item.pointer, str(field)) is None
            ):
                yield at, f"items of {operation.label} have no field {field!r}"


@rule(
    "SPEC-037",
    "x-filter fits its field: search strings, eq same type, contains arrays, gte/lt dates.",
)
def filter_types(document: Document) -> Iterator[Finding]:
    for operation, name, parameter, spec in _declared_filters(document):
        item = item_schema(document, operation)
        op = spec.get("op") if isinstance(spec, dict) else None
        if item is None or op not in FILTER_OPS:
            continue
        fields = spec.get("fields") if op == "search" else [spec.get("field")]
        schema = (mapping(parameter.node.get("schema")), jp.join(parameter.pointer, "schema"))
        for index, field in enumerate(fields if isinstance(fields, list) else []):
            found = schemas.field(document, item.node, item.pointer, str(field))
            if found is None:
                continue  # SPEC-036
            at = jp.join(
                parameter.pointer, "x-filter", *(["fields", index] if op == "search" else ["field"])
            )
            problem = _filter_mismatch(document, op, found, schema)
            if problem:
                yield at, f"filter {name!r}: {problem}"


def _filter_mismatch(
    document: Document, op: str, field: tuple[Any, str], parameter: tuple[Any, str]
) -> str | None:
    field_type = schemas.value_type(document, *field)
    param_type = schemas.value_type(document, *parameter)
    if op == "search" and field_type != "string":
        return f"search reads strings, the field is {field_type}"
    if op == "eq" and field_type != param_type:
        return f"eq compares a {param_type} parameter with a {field_type} field"
    field_enum = _enum(document, field)
    unknown = [value for value in _enum(document, parameter) if value not in field_enum]
    if op == "eq" and field_enum and unknown:
        return "eq: the parameter's enum has values the field never takes"
    if op == "contains":
        items = schemas.keyword(document, *field, "items")
        items_type = schemas.value_type(document, items, field[1]) if items else None
        if field_type != "array" or items_type != param_type:
            return f"contains needs an array of {param_type}, the field is {field_type}"
    if op in ("gte", "lt"):
        fmt = schemas.keyword(document, *field, "format")
        if field_type != "string" or fmt not in ("date", "date-time") or param_type != "string":
            return f"{op} compares a date or date-time field with a string parameter"
    return None


def _enum(document: Document, schema: tuple[Any, str]) -> list[Any]:
    """The enum of a schema (empty when it has none)."""
    return list(sequence(schemas.keyword(document, *schema, "enum")))


def _declared_filters(document: Document) -> Iterator[tuple[Operation, str, Located, dict]]:
    """Each (list operation, filter name, parameter, x-filter) where x-filter is declared."""
    for operation in list_operations(document):
        for name, parameter in filters(document, operation).items():
            spec = parameter.node.get("x-filter")
            if spec is not None:
                yield operation, name, parameter, spec if isinstance(spec, dict) else {}


def _filter(document: Document, operation: Operation, name: str) -> Located | None:
    return filters(document, operation).get(name)


@rule("SPEC-038", "Every top-level list has a `search` filter (op: search).")
def search_filter(document: Document) -> Iterator[Finding]:
    for operation in list_operations(document):
        if operation.has_path_parameters:
            continue  # nested lists (occurrences) are not searched
        found = _filter(document, operation, "search")
        if found is None:
            yield (
                jp.join(operation.pointer, "parameters"),
                f"{operation.label} lacks the search filter",
            )
        elif mapping(found.node.get("x-filter")).get("op") != "search":
            yield jp.join(found.pointer, "x-filter", "op"), "search must be op: search"


@rule("SPEC-039", "A top-level list of items with a status has a `status` filter: eq, same enum.")
def status_filter(document: Document) -> Iterator[Finding]:
    for operation in list_operations(document):
        if operation.has_path_parameters:
            continue  # a nested list (occurrences) shares its parent's status
        item = item_schema(document, operation)
        status = schemas.field(document, item.node, item.pointer, "status") if item else None
        if status is None:
            continue
        found = _filter(document, operation, "status")
        if found is None:
            yield (
                jp.join(operation.pointer, "parameters"),
                f"{operation.label} lacks the status filter",
            )
            continue
        if found.node.get("x-filter") != {"op": "eq", "field": "status"}:
            yield jp.join(found.pointer, "x-filter"), "status must be {op: eq, field: status}"
        expected = sequence(schemas.keyword(document, *status, "enum"))
        schema = mapping(found.node.get("schema"))
        actual = sequence(
            schemas.keyword(document, schema, jp.join(found.pointer, "schema"), "enum")
        )
        if sorted(map(str, actual)) != sorted(map(str, expected)):
            yield jp.join(found.pointer, "schema"), f"status enum must be the items' {expected}"


@rule("SPEC-040", "Lists of events, invoices, transactions have from (gte) / to (lt) on one field.")
def date_range_filter(document: Document) -> Iterator[Finding]:
    for operation in list_operations(document):
        wanted = operation.resource in DATE_RANGE_RESOURCES and not operation.has_path_parameters
        found = {name: _filter(document, operation, name) for name in ("from", "to")}
        if not wanted and not any(found.values()):
            continue
        if not all(found.values()):
            yield (
                jp.join(operation.pointer, "parameters"),
                f"{operation.label} needs both from and to",
            )
            continue
        start, end = (mapping(found[name].node.get("x-filter")) for name in ("from", "to"))
        if start.get("op") != "gte":
            yield jp.join(found["from"].pointer, "x-filter"), "from is an inclusive bound: op gte"
        if end.get("op") != "lt":
            yield jp.join(found["to"].pointer, "x-filter"), "to is an exclusive bound: op lt"
        elif start.get("field") != end.get("field"):
            yield (
                jp.join(found["to"].pointer, "x-filter", "field"),
                "from and to bound the same field",
            )
