"""The contract as every part of the project reads it: its operations and its extensions.

The document says in `x-scopes`, `x-filter`, `x-ordering`, `x-transitions` and
`x-path-responses` what OpenAPI 3.0 cannot (README.md, "Extension vocabulary"). The
reference server, the conformance suite, `spec check` and the reference pages read that
vocabulary here, once, so the four agree on what it means and a new endpoint that declares
it needs no new code in any of them.

Reading is lenient: an absent or malformed entry reads as absent (no scopes, no filter), as
`spec check` is the one that reports malformations.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from schedulingkit.openapi import document_path
from schedulingkit.openapi.pointer import deref, is_ref, join

# The operations of a Path Item Object, in the order OpenAPI lists them (and `Allow` does).
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FILTER_OPS = ("search", "eq", "contains", "gte", "lt")
SORT_DIRECTIONS = ("asc", "desc")
DEFAULT_BASE_PATH = "/api/v1"

Node = Mapping[str, Any]

# libyaml's loader when PyYAML was built with it: the document parses five times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path | str) -> Any:
    """Parse a YAML file (the document is large: libyaml when PyYAML has it)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)


@dataclass(frozen=True)
class Filter:
    """One filter query parameter and what it keeps (`x-filter`)."""

    name: str
    op: str  # one of FILTER_OPS
    fields: tuple[str, ...]  # item fields it reads; a dotted path reads a nested one
    schema: Node = dataclasses.field(hash=False, compare=False)  # the parameter's, `$ref`s resolved
    pointer: str = ""  # where the parameter is written

    @property
    def field(self) -> str:
        return self.fields[0]

    @property
    def enum(self) -> list[Any] | None:
        return self.schema.get("enum")

    @property
    def value_type(self) -> str:
        """`string`, `integer`, `boolean` or `date` (the `DateOrDateTime` bounds)."""
        if self.op in ("gte", "lt"):
            return "date"
        return self.schema.get("type", "string")


@dataclass(frozen=True)
class SortKey:
    """One key of `x-ordering`."""

    field: str
    descending: bool


@dataclass(frozen=True)
class Paging:
    """A list's page and page size when a request leaves them out, and the largest size
    (the `default`s and `maximum` of its `page` and `per_page` parameters)."""

    page: int = 1
    per_page: int = 15
    max_per_page: int = 100


@dataclass(frozen=True, eq=False)
class Operation:
    """One operation of the document, with the extensions the project reads."""

    method: str  # upper case
    path: str  # as in the document: /events/{id}
    operation_id: str
    tag: str  # the first tag ("" when untagged)
    summary: str
    description: str
    pointer: str  # of the Operation Object: /paths/~1events/get
    node: Node  # the Operation Object as written (the pages render from it)
    scopes: tuple[str, ...]
    security: tuple[Node, ...]  # the requirements that apply (its own, or the document's)
    parameters: Mapping[str, Node]  # name -> Parameter Object, its schema resolved
    request_schema: Node | None  # of the JSON body, resolved
    responses: Mapping[str, Node]  # status -> Response Object
    item_schema: Node | None  # of `data` (of `data[]` for lists), resolved
    ordering: tuple[SortKey, ...] = ()
    filters: tuple[Filter, ...] = ()
    paging: Paging = Paging()

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_list(self) -> bool:
        return self.method == "GET" and "page" in self.parameters

    @property
    def secured(self) -> bool:
        """Whether every way to call it needs credentials (no anonymous `{}` alternative)."""
        return bool(self.security) and all(self.security)

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(n for n, p in self.parameters.items() if p.get("in") == "path")

    @property
    def writes(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")

    def url_path(self, **values: Any) -> str:
        path = self.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", str(value))
        return path

    def filter(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.name == name), None)


@dataclass(frozen=True, eq=False)
class Contract:
    """The whole document: its operations, in document order, and its raw form."""

    raw: Node
    operations: tuple[Operation, ...]
    base_path: str  # the path of the first server URL: where the API is served

    def resolve(self, node: Any) -> Any:
        """Follow local `$ref`s until a real node."""
        return deref(self.raw, node)[0]

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId (`KeyError` if none)."""
        found = self.get(operation_id)
        if found is None:
            raise KeyError(operation_id)
        return found

    def get(self, operation_id: str | None) -> Operation | None:
        return self._by_id.get(operation_id) if operation_id is not None else None

    @functools.cached_property
    def _by_id(self) -> dict[str, Operation]:
        return {op.operation_id: op for op in self.operations}

    def find(self, method: str, path: str) -> Operation | None:
        return next(
            (o for o in self.operations if o.method == method.upper() and o.path == path), None
        )

    def list_operations(self) -> list[Operation]:
        return [o for o in self.operations if o.is_list]

    def paths(self) -> dict[str, list[str]]:
        """Documented path -> its methods (upper case)."""
        result: dict[str, list[str]] = {}
        for op in self.operations:
            result.setdefault(op.path, []).append(op.method)
        return result

    def date_time_fields(self) -> set[str]:
        """Names of response properties declared `format: date-time` and in UTC (not `local_*`)."""
        names: set[str] = set()
        for schema in _mapping(_mapping(self.raw.get("components")).get("schemas")).values():
            for name, prop in _mapping(schema.get("properties")).items():
                prop = self.resolve(prop)
                if prop.get("format") == "date-time" and not name.startswith("local_"):
                    names.add(name)
        return names

    @property
    def path_responses(self) -> Mapping[str, Any]:
        """`x-path-responses`: status -> the answer any path gives before an operation is
        chosen (404 no path matches, 405 a method the path lacks)."""
        return {str(k): v for k, v in _mapping(self.raw.get("x-path-responses")).items()}

    def transitions(self, schema: str, prop: str) -> dict[str, tuple[str, ...]] | None:
        """The `x-transitions` of a property of a component schema, if it has one."""
        schemas = _mapping(_mapping(self.raw.get("components")).get("schemas"))
        properties = _mapping(self.resolve(schemas.get(schema, {})).get("properties"))
        return transition_table(self.resolve(properties.get(prop)))


def transition_table(schema: Any) -> dict[str, tuple[str, ...]] | None:
    """A schema's `x-transitions`: from each value of its enum, the values it may move to."""
    table = schema.get("x-transitions") if isinstance(schema, dict) else None
    if not isinstance(table, dict):
        return None
    return {str(k): tuple(v) if isinstance(v, list) else () for k, v in table.items()}


def operation_nodes(raw: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every `(path, method, Operation Object)` of a parsed document, in document order."""
    for path, item in _mapping(_mapping(raw).get("paths")).items():
        for method, node in _mapping(item).items():
            if method in HTTP_METHODS and isinstance(node, dict):
                yield path, method, node


def parameter_objects(raw: Any, path: str, method: str) -> list[tuple[dict[str, Any], str]]:
    """An operation's Parameter Objects, path-level ones first (one the operation redefines,
    same name and place, is replaced), `$ref`s followed, each with where it is written."""
    item = _mapping(_mapping(_mapping(raw).get("paths")).get(path))
    found: dict[tuple[Any, Any], tuple[dict[str, Any], str]] = {}
    for base, owner in (
        (join("/paths", path), item),
        (join("/paths", path, method), item.get(method)),
    ):
        for index, written in enumerate(_sequence(_mapping(owner).get("parameters"))):
            node, pointer = deref(raw, written, join(base, "parameters", index))
            if isinstance(node, dict):
                found[(node.get("name"), node.get("in"))] = (node, pointer)
    return list(found.values())


def deep_resolve(raw: Any, node: Any, _expanding: frozenset[str] = frozenset()) -> Any:
    """A copy of `node` with every `$ref` replaced by its target; a reference met again
    inside its own target (a recursive schema) stays a reference."""
    if is_ref(node):
        if node["$ref"] in _expanding:
            return node
        _expanding = _expanding | {node["$ref"]}
        node = deref(raw, node)[0]
    if isinstance(node, dict):
        return {k: deep_resolve(raw, v, _expanding) for k, v in node.items()}
    if isinstance(node, list):
        return [deep_resolve(raw, v, _expanding) for v in node]
    return node


def read_contract(raw: Node) -> Contract:
    """Read every operation of a parsed OpenAPI 3.0 document."""
    operations = tuple(_operation(raw, *found) for found in operation_nodes(raw))
    return Contract(raw=raw, operations=operations, base_path=_base_path(raw))


@functools.cache
def load_contract(path: Path | str | None = None) -> Contract:
    """The contract at `path`, by default the document shipped with this package (cached:
    it does not change while a process runs)."""
    return read_contract(load_yaml(path or document_path()))


def _operation(raw: Node, path: str, method: str, node: dict[str, Any]) -> Operation:
    written = [
        ({**p, "schema": deep_resolve(raw, p.get("schema", {}))}, pointer)
        for p, pointer in parameter_objects(raw, path, method)
    ]
    parameters = {str(p.get("name")): p for p, _ in written}
    security = node.get("security", raw.get("security"))
    return Operation(
        method=method.upper(),
        path=path,
        operation_id=str(node.get("operationId") or ""),
        tag=str((_sequence(node.get("tags")) or [""])[0]),
        summary=str(node.get("summary") or ""),
        description=str(node.get("description") or "").strip(),
        pointer=join("/paths", path, method),
        node=node,
        scopes=tuple(_sequence(node.get("x-scopes"))),
        security=tuple(r for r in _sequence(security) if isinstance(r, dict)),
        parameters=parameters,
        request_schema=_request_schema(raw, node),
        responses={str(k): deref(raw, v)[0] for k, v in _mapping(node.get("responses")).items()},
        item_schema=_data_schema(raw, node),
        ordering=tuple(
            SortKey(str(key.get("field")), key.get("direction") == "desc")
            for key in _sequence(node.get("x-ordering"))
            if isinstance(key, dict)
        ),
        filters=tuple(
            _filter(p, pointer) for p, pointer in written if isinstance(p.get("x-filter"), dict)
        ),
        paging=_paging(parameters),
    )


def _filter(parameter: Node, pointer: str) -> Filter:
    spec = parameter["x-filter"]
    fields = spec.get("fields") or ([spec["field"]] if "field" in spec else [])
    return Filter(
        name=parameter["name"],
        op=str(spec.get("op")),
        fields=tuple(str(f) for f in _sequence(fields)),
        schema=parameter["schema"],
        pointer=pointer,
    )


def _paging(parameters: Mapping[str, Node]) -> Paging:
    default = Paging()
    page = _mapping(parameters.get("page", {}).get("schema"))
    per_page = _mapping(parameters.get("per_page", {}).get("schema"))
    return Paging(
        page=page.get("default", default.page),
        per_page=per_page.get("default", default.per_page),
        max_per_page=per_page.get("maximum", default.max_per_page),
    )


def _request_schema(raw: Node, node: Node) -> Node | None:
    body = deref(raw, node.get("requestBody"))[0]
    if not isinstance(body, dict):
        return None
    media = _mapping(_mapping(body.get("content")).get("application/json"))
    return deep_resolve(raw, media.get("schema"))


def _data_schema(raw: Node, node: Node) -> Node | None:
    """The schema of `data` in the first 200/201 answer's body (of its items for a list)."""
    responses = _mapping(node.get("responses"))
    for status in ("200", "201"):
        response = deref(raw, responses.get(status, responses.get(int(status))))[0]
        if not isinstance(response, dict):
            continue
        media = _mapping(_mapping(response.get("content")).get("application/json"))
        schema = _mapping(deref(raw, media.get("schema"))[0])
        written = _mapping(schema.get("properties")).get("data")
        data = deref(raw, written)[0]
        if not isinstance(data, dict):
            return None
        return deep_resolve(raw, data.get("items") if data.get("type") == "array" else written)
    return None


def _base_path(raw: Node) -> str:
    servers = _sequence(raw.get("servers")) or [{"url": DEFAULT_BASE_PATH}]
    return "/" + urlsplit(str(_mapping(servers[0]).get("url", ""))).path.strip("/")


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
