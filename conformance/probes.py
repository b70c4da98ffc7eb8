"""Requests that rules share: harmless calls of any operation, list walks, parent ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schedulingkit.conformance.client import ApiClient, Exchange
from schedulingkit.conformance.context import RuleContext, Skip
from schedulingkit.conformance.contract import Operation

UNKNOWN_ID = 987654321  # an id no deployment of ours will have reached
MAX_WALK_PAGES = 10


def harmless_call(
    client: ApiClient, op: Operation, *, authorization: Any = ..., params: dict | None = None
) -> Exchange:
    """Call `op` so that even a deployment that skipped every check would change nothing:
    unknown ids in the path, an empty JSON object as the body."""
    kwargs: dict[str, Any] = {"operation": op.label, "params": params}
    if authorization is not ...:
        kwargs["authorization"] = authorization
    if op.request_schema is not None or op.method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    path = op.url_path(**{name: UNKNOWN_ID for name in op.path_params})
    return client.request(op.method, path, **kwargs)


@dataclass
class Walk:
    """Every page of a list, as the deployment answered them."""

    pages: list[Exchange] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True  # False when MAX_WALK_PAGES stopped the walk
    total: int | None = None
    totals: set[int | None] = field(default_factory=set)  # meta.total of every page

    @property
    def stable(self) -> bool:
        """The list did not change during the walk (someone else may be writing to it)."""
        return len(self.totals) <= 1


def walk(
    client: ApiClient,
    op: Operation,
    path: str,
    params: dict[str, Any] | None = None,
    per_page: int | None = None,
    max_pages: int = MAX_WALK_PAGES,
) -> Walk:
    """GET page 1, 2, ... up to `last_page` (or `max_pages`), `per_page` items a page (by
    default the largest page the document allows)."""
    per_page = op.paging.max_per_page if per_page is None else per_page
    result = Walk()
    page = 1
    while True:
        exchange = client.get(
            path,
            params={**(params or {}), "page": page, "per_page": per_page},
            operation=op.label,
        )
        result.pages.append(exchange)
        body = exchange.json()
        if (
            exchange.status != 200
            or not isinstance(body, dict)
            or not isinstance(body.get("data"), list)
        ):
            result.complete = False
            return result
        result.items += [i for i in body["data"] if isinstance(i, dict)]
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        result.total = meta.get("total") if isinstance(meta.get("total"), int) else None
        result.totals.add(result.total)
        last = meta.get("last_page") if isinstance(meta.get("last_page"), int) else page
        if page >= last:
            return result
        if page >= max_pages:
            result.complete = False
            return result
        page += 1


def collection_of(op: Operation) -> str:
    """`/events/{id}/occurrences` -> `/events`; `/clients/{id}` -> `/clients`."""
    return "/" + op.path.strip("/").split("/")[0]


def identity(op: Operation) -> str:
    """The field that tells a list's items apart (the last, unique `x-ordering` key)."""
    return op.ordering[-1].field if op.ordering else "id"


def list_targets(
    ctx: RuleContext, ops: list[Operation] | None = None
) -> list[tuple[Operation, str]]:
    """Each list operation with a concrete path: nested lists get an id of their parent,
    the suite's own record when it made one (the recurring event), else the first listed."""
    targets = []
    for op in ops if ops is not None else ctx.contract.list_operations():
        if not op.path_params:
            targets.append((op, op.path))
            continue
        parent = parent_id(ctx, collection_of(op))
        if parent is not None:
            targets.append((op, op.url_path(**{op.path_params[0]: parent})))
    return targets


def parent_id(ctx: RuleContext, collection: str) -> int | None:
    fixtures = ctx.state.fixtures
    if fixtures is None and not ctx.config.read_only:
        fixtures = ctx.fixtures
    if fixtures is not None and fixtures.ids(collection):
        return fixtures.ids(collection)[0]
    listing = ctx.contract.find("GET", collection)
    if listing is None:
        return None
    answer = ctx.api.get(collection, params={"per_page": 1}, operation=listing.label)
    data = answer.data
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0].get("id")
    return None


def require(condition: bool, reason: str) -> None:
    if not condition:
        raise Skip(reason)
