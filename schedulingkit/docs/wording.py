"""The extension vocabulary (`x-filter`, `x-ordering`, `x-scopes`) and a few OpenAPI facts
written as sentences, so the pages state what the document says and nothing else."""

from __future__ import annotations

import json
from typing import Any

from schedulingkit.openapi.contract import Filter, SortKey


def _code(name: Any) -> str:
    return f"`{name}`"


def _either(names: list[Any]) -> str:
    quoted = [_code(name) for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def filter_sentence(spec: Filter | None) -> str:
    """What an `x-filter` keeps, e.g. "`starts_at` is on or after the value (inclusive)"."""
    if spec is None:
        return ""
    field = spec.fields[0] if spec.fields else None
    if spec.op == "search":
        return (
            f"The value is a case-insensitive substring of {_either(list(spec.fields))} "
            "(`null` fields do not match)."
        )
    if spec.op == "eq":
        return f"{_code(field)} equals the value."
    if spec.op == "contains":
        return f"{_code(field)} (an array) has the value as one of its elements."
    if spec.op == "gte":
        return f"{_code(field)} is on or after the value (inclusive)."
    if spec.op == "lt":
        return f"{_code(field)} is before the value (exclusive)."
    written = {"op": spec.op, "fields": list(spec.fields)}
    return "x-filter: " + json.dumps(written, ensure_ascii=False)


def ordering_sentence(keys: tuple[SortKey, ...]) -> str:
    """An `x-ordering` as "`name` ascending, then `id` ascending"."""
    return ", then ".join(
        f"{_code(key.field)} {'descending' if key.descending else 'ascending'}" for key in keys
    )


def scopes_sentence(scopes: Any) -> str:
    """`x-scopes` as "`events:write` (or `*`)"."""
    if not scopes:
        return "none"
    return " and ".join(_code(scope) for scope in scopes) + " (or `*`)"


def json_text(value: Any) -> str:
    """A JSON value as the pages show it: indented, UTF-8."""
    return json.dumps(value, indent=2, ensure_ascii=False)
