"""Which operation of the OpenAPI document a request is for, and what the document says of it.

Faults that target one kind of operation (lists, lookups by id, a scope) read the document
rather than hard-coding paths, so they follow the contract as it changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from schedulingkit.openapi import document_path

METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Operation:
    """One operation of the document, with what the faults need to know about it."""

    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]

    @property
    def is_list(self) -> bool:
        return "x-ordering" in self.spec

    @property
    def has_id(self) -> bool:
        return "{id}" in self.template

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.spec.get("x-scopes", ()))

    def filters(self) -> dict[str, dict[str, Any]]:
        """Query parameter name -> its `x-filter` object."""
        return {p["name"]: p["x-filter"] for p in self.parameters if "x-filter" in p}


class Document:
    """The OpenAPI document, indexed by method and path."""

    def __init__(self, path: Path | None = None) -> None:
        self.raw: dict[str, Any] = yaml.safe_load((path or document_path()).read_text())
        self.base_path = self.raw["servers"][0]["url"].rstrip("/")
        self.operations: list[Operation] = []
        for template, item in self.raw["paths"].items():
            shared = [self.resolve(p) for p in item.get("parameters", [])]
            for method in METHODS:
                if method not in item:
                    continue
                spec = item[method]
                own = [self.resolve(p) for p in spec.get("parameters", [])]
                self.operations.append(
                    Operation(
                        operation_id=spec["operationId"],
                        method=method.upper(),
                        template=template,
                        pattern=_compile(self.base_path + template),
                        spec=spec,
                        parameters=tuple(shared + own),
                    )
                )

    def resolve(self, node: Any) -> Any:
        """Follow a local `$ref` (repeatedly) to the object it names."""
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.raw
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def match(self, method: str, path: str) -> Operation | None:
        """The operation serving `method path`, or None for an unknown route or method."""
        for operation in self.operations:
            if operation.method == method.upper() and operation.pattern.fullmatch(path):
                return operation
        return None

    def is_known_path(self, path: str) -> bool:
        return any(operation.pattern.fullmatch(path) for operation in self.operations)

    def operation(self, operation_id: str) -> Operation:
        return next(o for o in self.operations if o.operation_id == operation_id)

    def item_properties(self, operation: Operation) -> dict[str, Any]:
        """The properties of the resource(s) the operation answers in `data`."""
        responses = operation.spec["responses"]
        status = next((s for s in ("200", "201") if s in responses), None)
        response = self.resolve(responses[status]) if status else {}
        content = response.get("content", {}).get("application/json")
        if content is None:
            return {}
        data = self.resolve(self.resolve(content["schema"])["properties"]["data"])
        item = self.resolve(data["items"]) if data.get("type") == "array" else data
        return {name: self.resolve(p) for name, p in item.get("properties", {}).items()}

    def request_schema(self, operation: Operation) -> dict[str, Any] | None:
        """The schema of the operation's JSON request body (None: no body)."""
        body = self.resolve(operation.spec.get("requestBody"))
        if not body:
            return None
        return self.resolve(body["content"]["application/json"]["schema"])

    def request_properties(self, operation: Operation) -> set[str] | None:
        """The properties the operation's JSON request body may carry (None: no body schema)."""
        schema = self.request_schema(operation)
        return None if schema is None else set(schema.get("properties", {}))


def _compile(template: str) -> re.Pattern[str]:
    escaped = re.escape(template)
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", escaped))


@cache
def document() -> Document:
    """The installed contract document, parsed once per process."""
    return Document()
