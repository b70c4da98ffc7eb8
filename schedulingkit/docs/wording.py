"""The extension vocabulary (`x-filter`, `x-ordering`, `x-scopes`) and a few OpenAPI facts
written as sentences, so the pages state what the document says and nothing else."""

from __future__ import annotations

import json
from typing import Any


def _code(name: Any) -> str:
    return f"`{name}`"


def _either(names: list[Any]) -> str:
    quoted = [_code(name) for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def filter_sentence(spec: Any) -> str:
    """What an `x-filter` keeps, e.g. "`starts_at` is on or after the value (inclusive)"."""
    if not isinstance(spec, dict):
        return ""
    op, field = spec.get("op"), spec.get("field")
    if op == "search":
        fields = list(spec.get("fields") or [])
        return (
            f"The value is a case-insensitive substring of {_either(fields)} "
            "(`null` fields do not match)."
        )
    if op == "eq":
        return f"{_code(field)} equals the value."
    if op == "contains":
        return f"{_code(field)} (an array) has the value as one of its elements."
    if op == "gte":
        return f"{_code(field)} is on or after the value (inclusive)."
    if op == "lt":
        return f"{_code(field)} is before the value (exclusive)."
    return "x-filter: " + json.dumps(spec, ensure_ascii=False)


DIRECTIONS = {"asc": "ascending", "desc": "descending"}


def ordering_sentence(keys: Any) -> str:
    """An `x-ordering` list as "`name` ascending, then `id` ascending"."""
    if not isinstance(keys, list):
        return ""
    parts = []
    for key in keys:
        if isinstance(key, dict):
            direction = DIRECTIONS.get(key.get("direction"), str(key.get("direction")))
            parts.append(f"{_code(key.get('field'))} {direction}")
    return ", then ".join(parts)


def scopes_sentence(scopes: Any) -> str:
    """`x-scopes` as "`events:write` (or `*`)"."""
    if not scopes:
        return "none"
    return " and ".join(_code(scope) for scope in scopes) + " (or `*`)"


def json_text(value: Any) -> str:
    """A JSON value as the pages show it: indented, UTF-8."""
    return json.dumps(value, indent=2, ensure_ascii=False)
