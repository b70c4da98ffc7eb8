"""Faults in the wire format: media types and timestamps."""

from __future__ import annotations

import re
from typing import Any

from starlette.types import Scope

from .asgi import Captured, JsonResponseFault, ResponseFault

UTC_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z$")


class JsonAsHtml(ResponseFault):
    """Successful JSON bodies labelled `text/html` (a response built without its header).

    Breaks: every response is `application/json`.
    Caught by: WIRE-001.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if 200 <= response.status < 300 and response.is_json:
            response.set_header("content-type", "text/html; charset=UTF-8")
        return response


class TimestampsWithOffset(JsonResponseFault):
    """Timestamps written `+00:00` (`toIso8601String()`) instead of `Z`.

    Breaks: timestamps are RFC 3339 in UTC written with `Z` (`2026-03-02T09:15:00Z`).
    Caught by: WIRE-002.
    """

    statuses = (200, 201)

    def edit(self, scope: Scope, document_: Any) -> Any:
        return _offsets(document_)


def _offsets(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _offsets(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_offsets(value) for value in node]
    if isinstance(node, str):
        return UTC_TIMESTAMP.sub(r"\1+00:00", node)
    return node
