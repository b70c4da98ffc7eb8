"""What every handler needs from the request: a team session (or reader) and a list query."""

from __future__ import annotations

from typing import Any

from connexion import request
from connexion.context import operation

from ..db import reader, unit_of_work
from ..document import load_document
from ..listing import ListQuery

__all__ = ["list_query", "reader", "unit_of_work"]


def list_query(args: dict[str, Any]) -> ListQuery:
    """The current list operation's arguments plus the URLs its links are built from."""
    url = request.url
    spec_operation = load_document().operation(operation.operation_id)
    if spec_operation is None:
        raise LookupError(f"{operation.operation_id} is not an operation of the document")
    return ListQuery(
        operation_id=spec_operation.operation_id,
        args=args,
        path_url=str(url.replace(query="")),
        query_items=tuple(request.query_params.multi_items()),
    )
