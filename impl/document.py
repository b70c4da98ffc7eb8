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

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True)
class Filter:
    """One `x-filter` query parameter."""

    param: str
    op: str
    fields: tuple[str, ...]
    schema: dict = field(hash=False, compare=False)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    scopes: tuple[str, ...]
    secured: bool
    filters: tuple[Filter, ...] = ()
    ordering: tuple[tuple[str, str], ...] = ()
    page_default: int = 1
    per_page_default: int = 15
    per_page_max: int = 100


@dataclass(frozen=True)
class Document:
    raw: dict
    operations: dict[str, Operation]
    base_path: str

    def allowed_methods(self, path: str) -> list[str]:
        """The methods the document declares for a concrete request path (for `Allow`)."""
        relative = path[len(self.base_path) :] if path.startswith(self.base_path) else None
        if relative is None:
            return []
        methods: list[str] = []
        for template, item in self.raw.get("paths", {}).items():
            if _template_regex(template).fullmatch(relative):
                methods.extend(m.upper() for m in HTTP_METHODS if m in item)
        return methods


def _template_regex(template: str) -> re.Pattern:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.compile(pattern)


@cache
def load_document(path: Path | None = None) -> Document:
    """Read and index the document (cached: it does not change while a process runs)."""
    source = Path(path) if path else document_path()
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
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
    return Operation(
        operation_id=spec["operationId"],
        method=method.upper(),
        path=template,
        tag=(spec.get("tags") or ["default"])[0],
        scopes=tuple(spec.get("x-scopes", ())),
        secured=bool(security) and all(bool(req) for req in security),
        filters=tuple(filters),
        ordering=tuple(
            (key["field"], key.get("direction", "asc")) for key in spec.get("x-ordering", ())
        ),
        page_default=page_default,
        per_page_default=per_page_default,
        per_page_max=per_page_max,
    )
