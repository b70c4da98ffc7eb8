"""HTTP handlers, one module per OpenAPI tag, one function per operationId (snake_case)."""

from __future__ import annotations

import re

from schedulingkit.openapi.contract import Operation


def handler_path(operation: Operation) -> str:
    """Dotted path of an operation's handler: `listEventTypes` tagged `Event Types` is
    `<this package>.event_types.list_event_types`."""
    module = re.sub(r"[^0-9a-zA-Z]+", "_", operation.tag or "default").strip("_").lower()
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation.operation_id).lower()
    return f"{__name__}.{module}.{name}"
