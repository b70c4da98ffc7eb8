"""Faults in the bounds every request has: body size, head size, JSON depth, array lengths,
series length."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime
from typing import Any

from dateutil import rrule
from starlette.types import Receive, Scope, Send

from .asgi import Passthrough, read_body, replay_receive
from .routes import document

FREQUENCIES = {
    "daily": rrule.DAILY,
    "weekly": rrule.WEEKLY,
    "monthly": rrule.MONTHLY,
    "yearly": rrule.YEARLY,
}


class BodyReadBeforeLimit(Passthrough):
    """A layer in front of the limit reads every request body whole before handing it on (a
    buffering proxy, PHP reading `php://input` before `ValidatePostSize`): a body announced
    over the limit is waited for, then refused.

    Breaks: REQ-COST-02, a body whose `Content-Length` is over the limit answers `413` at
    once, without being read.
    Caught by: COST-001.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in ("POST", "PUT", "PATCH"):
            body = await read_body(receive)
            receive = replay_receive(body)
        await self.app(scope, receive, send)


class OversizedHeadServed(Passthrough):
    """Request heads not bounded at 32 KiB: served with uvicorn's h11 protocol, whose bound
    (`h11_max_incomplete_event_size`, set to 32 KiB) applies only to a head still incomplete
    after a read, so a 33 KiB head that arrives in one piece reaches the app (a request
    without a token then answers 401) and one that arrives in pieces answers 400, never 431.
    The fault is in the HTTP protocol, not in the app: the harness serves this one with h11
    (`Fault.http`); the app passes through.

    Breaks: REQ-COST-09, a request line and headers over 32 KiB answer `431`.
    Caught by: COST-002.
    """


def nesting_depth(value: Any) -> int:
    """Levels of arrays and objects (`[]` is 1, a scalar 0), without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        node, depth = pending.pop()
        children = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            pending += [(child, depth + 1) for child in children if isinstance(child, dict | list)]
    return deepest


class JsonDepthUnbounded(Passthrough):
    """JSON nesting not bounded (PHP's `json_decode` reads 512 levels): a body nested 40
    levels deep is read like any other, and validation answers it (`422`, the fields it
    lacks) instead of `400`.

    Breaks: REQ-COST-10, a body nested more than 32 levels deep answers `400`.
    Caught by: COST-003.
    """

    limit = 32

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in ("POST", "PUT", "PATCH"):
            body = await read_body(receive)
            try:
                deep = nesting_depth(json.loads(body)) > self.limit
            except ValueError:
                deep = False
            # what validation sees of a top-level array: none of the object's fields
            receive = replay_receive(b"{}" if deep else body)
        await self.app(scope, receive, send)


def _array_limits(scope: Scope) -> dict[str, int]:
    """Top-level array properties of the operation's body -> their `maxItems`."""
    operation = document().match(scope["method"], scope["path"])
    schema = document().request_schema(operation) if operation else None
    limits = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        prop = document().resolve(prop)
        if prop.get("type") == "array" and isinstance(prop.get("maxItems"), int):
            limits[name] = prop["maxItems"]
    return limits


class MaxItemsClamped(Passthrough):
    """An array longer than its `maxItems` silently cut to it (`array_slice`) instead of
    refused.

    Breaks: REQ-COST-01, an array over its `maxItems` answers `422` naming the array.
    Caught by: ERR-008.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in ("POST", "PUT"):
            body = await read_body(receive)
            limits = _array_limits(scope)
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict) and limits:
                for name, limit in limits.items():
                    if isinstance(parsed.get(name), list):
                        parsed[name] = parsed[name][:limit]
                body = json.dumps(parsed).encode()
            receive = replay_receive(body)
        await self.app(scope, receive, send)


def clamped_until(body: dict[str, Any], cap: int) -> str | None:
    """The date of the series' `cap`-th occurrence when its `until` makes it longer (None when
    it ends in time, by `count`, or not at all), reckoned from the start's UTC date."""
    recurrence = body.get("recurrence")
    if not isinstance(recurrence, dict) or not recurrence.get("until") or recurrence.get("count"):
        return None
    try:
        start = datetime.fromisoformat(str(body["starts_at"]).replace("Z", "+00:00")).date()
        until = date.fromisoformat(recurrence["until"])
        frequency = FREQUENCIES[recurrence.get("frequency", "daily")]
    except (KeyError, ValueError):
        return None
    dates = rrule.rrule(
        frequency,
        dtstart=datetime.combine(start, datetime.min.time()),
        interval=recurrence.get("interval") or 1,
        until=datetime.combine(until, datetime.min.time()),
    )
    occurrences = list(itertools.islice(dates, cap + 1))
    return occurrences[cap - 1].date().isoformat() if len(occurrences) > cap else None


class SeriesCapClamped(Passthrough):
    """A series whose `until` makes more than 730 occurrences silently cut at its 730th
    (`until` moved back to it) instead of refused.

    Breaks: REQ-COST-03, a longer series answers `422` on `recurrence.until` and creates
    nothing.
    Caught by: COST-004.
    """

    cap = 730

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = document().match(scope["method"], scope["path"])
        if operation is not None and operation.operation_id in ("createEvent", "updateEvent"):
            body = await read_body(receive)
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            until = clamped_until(parsed, self.cap) if isinstance(parsed, dict) else None
            if until is not None:
                assert isinstance(parsed, dict)
                parsed["recurrence"]["until"] = until
                body = json.dumps(parsed).encode()
            receive = replay_receive(body)
        await self.app(scope, receive, send)
