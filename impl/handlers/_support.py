"""What every handler needs from the request: a team session (or reader) and a list query."""

from __future__ import annotations

from typing import Any

from connexion.context import scope

from ..db import reader, unit_of_work
from ..document import load_document
from ..listing import ListQuery
from ..public_url import request_url
from ..request_state import query_params

__all__ = ["list_query", "reader", "unit_of_work"]


def list_query(args: dict[str, Any]) -> ListQuery:
    """The current list operation's arguments plus the URLs its links are built from."""
    current = scope._get_current_object()  # one context lookup, not one per attribute
    routed = current["extensions"]["connexion_routing"]["operation_id"]
    spec_operation = load_document().operation(routed)
    if spec_operation is None:
        raise LookupError(f"{routed} is not an operation of the document")
    return ListQuery(
        operation_id=spec_operation.operation_id,
        args=args,
        path_url=request_url(current),  # from the public URL, never the Host header
        query_items=tuple(query_params(current).multi_items()),
    )
