"""The contract as the suite reads it: operations, scopes, orderings and filters from the document.

Rules iterate over these objects instead of naming endpoints, so a new list endpoint that
declares `x-scopes`, `x-ordering` and `x-filter` is checked with no new code. The suite always
reads the project's own copy of the document (shipped in the wheel), never what a deployment
serves.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from schedulingkit.openapi import document_path

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def escape_pointer(token: str) -> str:
    """One JSON-pointer token (`/events/{id}` -> `~1events~1{id}`)."""
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Filter:
    """One filter query parameter and what it keeps (`x-filter`)."""

    name: str
    op: str  # search | eq | contains | gte | lt
    fields: tuple[str, ...]
    schema: dict[str, Any]
    pointer: str

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
    field: str
    descending: bool


@dataclass
class Operation:
    """One operation of the document, with the extensions the rules need."""

    method: str  # upper case
    path: str  # as in the document: /events/{id}
    operation_id: str
    scopes: tuple[str, ...]
    pointer: str
    parameters: dict[str, dict[str, Any]]  # name -> resolved parameter object
    responses: dict[str, dict[str, Any]]  # status -> resolved response object
    request_schema: dict[str, Any] | None
    ordering: tuple[SortKey, ...] = ()
    filters: tuple[Filter, ...] = ()
    item_schema: dict[str, Any] | None = None  # schema of `data` (or of `data[]` for lists)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_list(self) -> bool:
        return self.method == "GET" and "page" in self.parameters

    @property
    def path_params(self) -> list[str]:
        return [n for n, p in self.parameters.items() if p.get("in") == "path"]

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


@dataclass
class Contract:
    """The whole document, resolved for the rules."""

    raw: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)

    def resolve(self, node: Any) -> Any:
        """Follow local `$ref`s until a real node."""
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.raw
            for token in node["$ref"].lstrip("#/").split("/"):
                target = target[token.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def deep_resolve(self, node: Any, depth: int = 0) -> Any:
        """A copy of `node` with every `$ref` replaced by its target (no cycles here)."""
        node = self.resolve(node)
        if depth > 40:
            return node
        if isinstance(node, dict):
            return {k: self.deep_resolve(v, depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [self.deep_resolve(v, depth + 1) for v in node]
        return node

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

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
        for schema in self.raw.get("components", {}).get("schemas", {}).values():
            for name, prop in (schema.get("properties") or {}).items():
                prop = self.resolve(prop)
                if prop.get("format") == "date-time" and not name.startswith("local_"):
                    names.add(name)
        return names


def _data_schema(contract: Contract, op_node: dict[str, Any]) -> dict[str, Any] | None:
    for status in ("200", "201"):
        response = contract.resolve(op_node.get("responses", {}).get(status))
        if not response:
            continue
        schema = contract.resolve(
            (response.get("content") or {}).get("application/json", {}).get("schema")
        )
        data = contract.resolve((schema or {}).get("properties", {}).get("data"))
        if not data:
            return None
        if data.get("type") == "array":
            return contract.deep_resolve(data.get("items"))
        return contract.deep_resolve(data)
    return None


def build_contract(raw: dict[str, Any]) -> Contract:
    """Read every operation of an OpenAPI 3.0 document."""
    contract = Contract(raw=raw)
    for path, item in raw.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            node = item.get(method)
            if not node:
                continue
            pointer = f"#/paths/{escape_pointer(path)}/{method}"
            params: dict[str, dict[str, Any]] = {}
            filters: list[Filter] = []
            for index, ref in enumerate([*shared, *node.get("parameters", [])]):
                param = contract.resolve(ref)
                param = {**param, "schema": contract.deep_resolve(param.get("schema", {}))}
                params[param["name"]] = param
                spec = param.get("x-filter")
                if spec:
                    fields = spec.get("fields") or [spec["field"]]
                    ptr = ref.get("$ref", f"{pointer}/parameters/{index}")
                    filters.append(
                        Filter(param["name"], spec["op"], tuple(fields), param["schema"], ptr)
                    )
            body = node.get("requestBody")
            request_schema = None
            if body:
                media = contract.resolve(body).get("content", {}).get("application/json", {})
                request_schema = contract.deep_resolve(media.get("schema"))
            contract.operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=node["operationId"],
                    scopes=tuple(node.get("x-scopes", ())),
                    pointer=pointer,
                    parameters=params,
                    responses={
                        str(k): contract.resolve(v) for k, v in node.get("responses", {}).items()
                    },
                    request_schema=request_schema,
                    ordering=tuple(
                        SortKey(k["field"], k.get("direction") == "desc")
                        for k in node.get("x-ordering", ())
                    ),
                    filters=tuple(filters),
                    item_schema=_data_schema(contract, node),
                )
            )
    return contract


@functools.cache
def load_contract(path: str | None = None) -> Contract:
    """The contract from `path`, by default the document shipped with this package."""
    source = Path(path) if path else document_path()
    with open(source, encoding="utf-8") as handle:
        return build_contract(yaml.safe_load(handle))
