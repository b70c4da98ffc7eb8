"""The OpenAPI document as the server reads it: operations, their scopes, filters, ordering.

The platform is driven by the document's extensions (openapi/README.md), so a new list
endpoint that declares `x-filter`/`x-ordering`/`x-scopes` needs no new platform code.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from connexion.json_schema import resolve_refs
from schedulingkit.openapi import document_path

HANDLERS_PACKAGE = "schedulingkit.impl.handlers"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True)
class Filter:
    """One `x-filter` query parameter."""

    param: str
    op: str
    fields: tuple[str, ...]
    schema: dict = field(hash=False, compare=False)


def handler_module(tag: str) -> str:
    """`Event Types` -> `event_types`: the module that holds a tag's handlers."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", tag).strip("_").lower()


def handler_name(operation_id: str) -> str:
    """`listEventTypes` -> `list_event_types`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).lower()


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    scopes: tuple[str, ...]
    secured: bool
    path_params: tuple[tuple[str, dict], ...] = ()
    filters: tuple[Filter, ...] = ()
    ordering: tuple[tuple[str, str], ...] = ()
    page_default: int = 1
    per_page_default: int = 15
    per_page_max: int = 100

    @property
    def handler(self) -> str:
        """Dotted path of the handler: `handlers.<tag module>.<snake_case operationId>`."""
        return f"{HANDLERS_PACKAGE}.{handler_module(self.tag)}.{handler_name(self.operation_id)}"


@dataclass(frozen=True)
class Document:
    raw: dict
    operations: dict[str, Operation]
    base_path: str

    def __post_init__(self) -> None:
        by_handler = {op.handler: op for op in self.operations.values()}
        object.__setattr__(self, "_by_handler", by_handler)

    def operation(self, name: str | None) -> Operation | None:
        """An operation by operationId, or by the handler path Connexion reports as its id."""
        if name is None:
            return None
        return self.operations.get(name) or self._by_handler.get(name)  # type: ignore[attr-defined]

    def match(self, path: str) -> list[tuple[Operation, dict[str, str]]]:
        """The operations whose path template matches a request path, with the raw segments."""
        if not path.startswith(self.base_path):
            return []
        relative = path[len(self.base_path) :]
        found = []
        for op in self.operations.values():
            hit = _template_regex(op.path).fullmatch(relative)
            if hit:
                found.append((op, hit.groupdict()))
        return found

    def allowed_methods(self, path: str) -> list[str]:
        """The methods the document declares for a concrete request path (for `Allow`)."""
        methods = {op.method for op, _ in self.match(path)}
        return [m.upper() for m in HTTP_METHODS if m.upper() in methods]


@cache
def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"\{([^}]+)\}", template)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(pattern)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 5x faster on this file


@cache
def load_document(path: Path | None = None) -> Document:
    """Read and index the document (cached: it does not change while a process runs)."""
    source = Path(path) if path else document_path()
    raw = yaml.load(source.read_text(encoding="utf-8"), Loader=_LOADER)
    resolved = resolve_refs(copy.deepcopy(raw))
    servers = raw.get("servers") or [{"url": "/api/v1"}]
    base_path = "/" + urlsplit(servers[0]["url"]).path.strip("/")
    global_security = resolved.get("security")
    operations = {}
    for template, item in resolved.get("paths", {}).items():
        shared_params = item.get("parameters", [])
        for method in HTTP_METHODS:
            spec = item.get(method)
            if not spec:
                continue
            params = _merge_params(shared_params, spec.get("parameters", []))
            op = _operation(template, method, spec, params, global_security)
            operations[op.operation_id] = op
    return Document(raw=raw, operations=operations, base_path=base_path)


def _merge_params(shared: list[dict], own: list[dict]) -> list[dict]:
    merged = {(p["name"], p["in"]): p for p in shared}
    merged.update({(p["name"], p["in"]): p for p in own})
    return list(merged.values())


def _operation(
    template: str, method: str, spec: dict, params: list[dict], global_security
) -> Operation:
    filters = []
    page_default, per_page_default, per_page_max = 1, 15, 100
    for param in params:
        if param.get("in") != "query":
            continue
        schema = param.get("schema", {})
        if param["name"] == "page":
            page_default = schema.get("default", page_default)
        elif param["name"] == "per_page":
            per_page_default = schema.get("default", per_page_default)
            per_page_max = schema.get("maximum", per_page_max)
        spec_filter = param.get("x-filter")
        if spec_filter:
            fields = tuple(spec_filter.get("fields") or [spec_filter["field"]])
            filters.append(Filter(param["name"], spec_filter["op"], fields, schema))
    security = spec.get("security", global_security)
    path_params = tuple((p["name"], p.get("schema", {})) for p in params if p.get("in") == "path")
    return Operation(
        operation_id=spec["operationId"],
        method=method.upper(),
        path=template,
        tag=(spec.get("tags") or ["default"])[0],
        scopes=tuple(spec.get("x-scopes", ())),
        secured=bool(security) and all(bool(req) for req in security),
        path_params=path_params,
        filters=tuple(filters),
        ordering=tuple(
            (key["field"], key.get("direction", "asc")) for key in spec.get("x-ordering", ())
        ),
        page_default=page_default,
        per_page_default=per_page_default,
        per_page_max=per_page_max,
    )
