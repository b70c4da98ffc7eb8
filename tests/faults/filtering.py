"""Faults in filtering and ordering: what a list keeps, and in which order."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import JsonResponseFault, Passthrough, query_params, with_query
from .routes import Operation, document


def list_operation(scope: Scope) -> Operation | None:
    operation = document().match(scope["method"], scope["path"])
    return operation if operation is not None and operation.is_list else None


class FilterIgnored(Passthrough):
    """A filter the controller never applies: the parameter is accepted and ignored.

    Breaks: every documented `x-filter` keeps only the items it describes. The named query
    parameter is removed from list requests before the server sees it.
    Caught by: FILT-001.
    """

    def __init__(self, app: ASGIApp, parameter: str = "search") -> None:
        super().__init__(app)
        self.parameter = parameter

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if list_operation(scope) is not None:
            params = [(k, v) for k, v in query_params(scope) if k != self.parameter]
            scope = with_query(scope, params)
        await self.app(scope, receive, send)


class UnknownEnumIgnored(Passthrough):
    """An unknown value of an enum filter (`status=bogus`) is dropped instead of refused.

    Breaks: an unknown value of an enum filter answers 400, like any parameter that fails its
    schema. Such a value is removed, so the list answers 200 unfiltered.
    Caught by: ERR-005.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = list_operation(scope)
        if operation is not None:
            enums = {
                p["name"]: {str(v) for v in document().resolve(p["schema"])["enum"]}
                for p in operation.parameters
                if "enum" in document().resolve(p.get("schema", {}))
            }
            params = [(k, v) for k, v in query_params(scope) if k not in enums or v in enums[k]]
            scope = with_query(scope, params)
        await self.app(scope, receive, send)


class UpperBoundInclusive(Passthrough):
    """The `to` bound compares with `<=` instead of `<`.

    Breaks: `lt` filters (`to`) are exclusive. The bound is moved one step later (a second
    for date-time fields, a day for date fields) before the server sees it, so an item exactly
    at the bound is kept.
    Caught by: FILT-001.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = list_operation(scope)
        if operation is not None:
            bounds = {n: f["field"] for n, f in operation.filters().items() if f["op"] == "lt"}
            if bounds:
                properties = document().item_properties(operation)
                params = [
                    (k, _one_step_later(v, properties.get(bounds[k], {})) if k in bounds else v)
                    for k, v in query_params(scope)
                ]
                scope = with_query(scope, params)
        await self.app(scope, receive, send)


def _one_step_later(value: str, field: dict[str, Any]) -> str:
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if field.get("format") == "date":
                return (day + timedelta(days=1)).isoformat()
            return f"{day.isoformat()}T00:00:01Z"
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # malformed: let the server refuse it
    return (moment + timedelta(seconds=1)).isoformat()


class SearchCaseSensitive(JsonResponseFault):
    """`search` matches case-sensitively (a `LIKE` on PostgreSQL instead of `ILIKE`).

    Breaks: `search` is a case-insensitive substring match. Items that match only when case
    is ignored are removed from the page (and from `meta.total`).
    Caught by: FILT-002.
    """

    statuses = (200,)

    def edit(self, scope: Scope, document_: Any) -> None:
        operation = list_operation(scope)
        term = dict(query_params(scope)).get("search")
        spec = operation.filters().get("search") if operation else None
        if not term or spec is None or not isinstance(document_, dict):
            return
        kept = [item for item in document_["data"] if _contains(item, spec["fields"], term)]
        document_["meta"]["total"] -= len(document_["data"]) - len(kept)
        document_["data"] = kept


def _contains(item: dict[str, Any], fields: list[str], term: str) -> bool:
    return any(isinstance(item.get(f), str) and term in item[f] for f in fields)


class ReversedOrder(JsonResponseFault):
    """Lists come in the opposite of their documented order (`desc` for `asc`).

    Breaks: each list's order is its `x-ordering`.
    Caught by: PAGE-005.
    """

    statuses = (200,)

    def edit(self, scope: Scope, document_: Any) -> None:
        if list_operation(scope) is not None and isinstance(document_, dict):
            document_["data"].reverse()


class InvertedRangeAccepted(Passthrough):
    """`from` after `to` is not refused: the lower bound is dropped and the list answered.

    Breaks: a `from` bound after the `to` bound of the same field answers 400.
    Caught by: FILT-003.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = list_operation(scope)
        if operation is not None:
            filters = operation.filters()
            params = dict(query_params(scope))
            dropped = {
                low
                for low, lower in filters.items()
                for high, upper in filters.items()
                if lower["op"] == "gte"
                and upper["op"] == "lt"
                and lower["field"] == upper["field"]
                and low in params
                and high in params
                and _after(params[low], params[high])
            }
            scope = with_query(scope, [(k, v) for k, v in query_params(scope) if k not in dropped])
        await self.app(scope, receive, send)


def _after(low: str, high: str) -> bool:
    def instant(value: str) -> datetime | None:
        try:
            if len(value) == 10:
                return datetime.fromisoformat(f"{value}T00:00:00+00:00")
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None

    a, b = instant(low), instant(high)
    return a is not None and b is not None and a > b


class SearchPrefixOnly(JsonResponseFault):
    """`search` matches only at the start of a field (`LIKE 'term%'`, to use an index).

    Breaks: `search` is a case-insensitive substring match anywhere in the listed fields.
    Items that contain the term only after their first character are removed from the page
    (and from `meta.total`).
    Caught by: FILT-002.
    """

    statuses = (200,)

    def edit(self, scope: Scope, document_: Any) -> None:
        operation = list_operation(scope)
        term = dict(query_params(scope)).get("search")
        spec = operation.filters().get("search") if operation else None
        if not term or spec is None or not isinstance(document_, dict):
            return
        kept = [item for item in document_["data"] if _starts_with(item, spec["fields"], term)]
        document_["meta"]["total"] -= len(document_["data"]) - len(kept)
        document_["data"] = kept


def _starts_with(item: dict[str, Any], fields: list[str], term: str) -> bool:
    return any(
        isinstance(item.get(f), str) and item[f].casefold().startswith(term.casefold())
        for f in fields
    )


class BooleanFalseAsTrue(Passthrough):
    """A boolean filter read with a truthiness cast: `is_active=false` keeps the active rows.

    Breaks: `eq` filters read the value with the parameter's schema type (`false` is false).
    Caught by: FILT-001.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = list_operation(scope)
        if operation is not None:
            booleans = {
                p["name"]
                for p in operation.parameters
                if "x-filter" in p
                and document().resolve(p.get("schema", {})).get("type") == "boolean"
            }
            params = [
                (k, "true" if k in booleans and v == "false" else v) for k, v in query_params(scope)
            ]
            scope = with_query(scope, params)
        await self.app(scope, receive, send)
