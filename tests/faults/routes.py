"""Which operation of the OpenAPI document a request is for, and what the document says of it.

Faults that target one kind of operation (lists, lookups by id, a scope) read the document
rather than hard-coding paths, so they follow the contract as it changes. They wrap the
server from outside, as a deployment's bug would, so they match request paths themselves;
what an operation is comes from the project's one reader (`schedulingkit.openapi.contract`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from schedulingkit.openapi.contract import Operation as ContractOperation
from schedulingkit.openapi.contract import load_contract


@dataclass(frozen=True)
class Operation:
    """One operation of the document and the request paths it serves."""

    contract: ContractOperation
    pattern: re.Pattern[str]

    @property
    def operation_id(self) -> str:
        return self.contract.operation_id

    @property
    def method(self) -> str:
        return self.contract.method

    @property
    def template(self) -> str:
        return self.contract.path

    @property
    def parameters(self) -> tuple[dict[str, Any], ...]:
        return tuple(self.contract.parameters.values())

    @property
    def is_list(self) -> bool:
        return bool(self.contract.ordering)

    @property
    def has_id(self) -> bool:
        return "{id}" in self.template

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.contract.scopes

    def filters(self) -> dict[str, dict[str, Any]]:
        """Query parameter name -> its `x-filter` object."""
        return {p["name"]: p["x-filter"] for p in self.parameters if "x-filter" in p}


class Document:
    """The OpenAPI document, indexed by method and path."""

    def __init__(self, path: Path | None = None) -> None:
        contract = load_contract(path)
        self.raw: dict[str, Any] = contract.raw
        self.base_path = contract.base_path
        self.resolve = contract.resolve
        self.operations = [
            Operation(op, _compile(self.base_path + op.path)) for op in contract.operations
        ]

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
        return dict((operation.contract.item_schema or {}).get("properties", {}))

    def request_schema(self, operation: Operation) -> dict[str, Any] | None:
        """The schema of the operation's JSON request body (None: no body)."""
        return operation.contract.request_schema

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
