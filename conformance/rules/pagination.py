"""PAGE: every list operation pages as the contract says, read from the document."""

from __future__ import annotations

import math
from typing import Any

from schedulingkit.conformance.catalogue import MAJOR, MINOR, rule
from schedulingkit.conformance.checks import (
    order_problems,
    pagination_problems,
    validation_problems,
)
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext
from schedulingkit.conformance.contract import Operation
from schedulingkit.conformance.probes import Walk, identity, list_targets, walk

MAX_FOLLOWED = 6  # pages followed through links.next


def _known_total(ctx: RuleContext, path: str) -> int | None:
    """`meta.total` of the list as PAGE-001 read it in this run, if it did."""
    exchange = ctx.state.cache.get(f"default page {path}")
    body = exchange.json() if exchange is not None else None
    meta = body.get("meta") if isinstance(body, dict) else None
    total = meta.get("total") if isinstance(meta, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def formats(op: Operation) -> dict[str, str]:
    props = (op.item_schema or {}).get("properties", {})
    return {name: p.get("format", "") for name, p in props.items()}


def _targets(ctx: RuleContext) -> list[tuple[Operation, str]]:
    targets = list_targets(ctx)
    if not targets:
        ctx.skip("no list operation could be called")
    return targets


def _search_params(ctx: RuleContext, op: Operation) -> dict[str, Any]:
    """`search=<marker>` when the suite has fixtures and the list has a search filter."""
    search = next((f for f in op.filters if f.op == "search"), None)
    if ctx.state.fixtures is None or search is None:
        return {}
    return {search.name: ctx.state.marker}


@rule(
    "PAGE-001",
    "A list without page parameters answers the page and page size its page and per_page "
    "parameters document as defaults",
    verifies=["REQ-PAGE-01", "REQ-WIRE-02"],
    severity=MAJOR,
)
def defaults(ctx: RuleContext) -> None:
    for op, path in _targets(ctx):
        exchange = ctx.api.get(path, operation=op.label)
        ctx.state.cache[f"default page {path}"] = exchange
        if not ctx.expect(exchange.status == 200, op.label, f"got {exchange.describe()}", exchange):
            continue
        paging = op.paging
        for problem in pagination_problems(exchange.json(), paging.page, paging.per_page, path):
            ctx.fail(op.label, f"defaults: {problem}", exchange)


def bad_values(op: Operation) -> list[tuple[str, str]]:
    """Values each list refuses: below 1, not an integer, above the documented maximum."""
    return [
        ("page", "0"),
        ("page", "abc"),
        ("per_page", "0"),
        ("per_page", str(op.paging.max_per_page + 1)),
    ]


@rule(
    "PAGE-002",
    "page < 1, per_page below 1 or above its documented maximum, or either not an integer, "
    "answer 400 naming the parameter; per_page 1 and the maximum are accepted",
    verifies=["REQ-PAGE-02"],
    severity=MAJOR,
)
def bounds(ctx: RuleContext) -> None:
    for op, path in _targets(ctx):
        for name, value in bad_values(op):
            exchange = ctx.api.get(path, params={name: value}, operation=op.label)
            for problem in validation_problems(exchange, 400, [name]):
                ctx.fail(op.label, f"{name}={value}: {problem}", exchange)
            ctx.checked()
        for per_page in (1, op.paging.max_per_page):
            exchange = ctx.api.get(path, params={"per_page": per_page}, operation=op.label)
            if ctx.expect(
                exchange.status == 200,
                op.label,
                f"per_page={per_page}: got {exchange.describe()}",
                exchange,
            ):
                for problem in pagination_problems(exchange.json(), 1, per_page, path):
                    ctx.fail(op.label, f"per_page={per_page}: {problem}", exchange)


@rule(
    "PAGE-003",
    "meta (current_page, from, to, last_page = max(1, ceil(total/per_page)), total, path) "
    "and links (first, last, prev, next, keeping the filters) agree with data on every page; "
    "followed, links.next, links.first and links.last answer the pages they name",
    verifies=["REQ-PAGE-03"],
    severity=MAJOR,
)
def arithmetic(ctx: RuleContext) -> None:
    for op, path in _targets(ctx):
        params = _search_params(ctx, op)
        pages = _follow_next(ctx, op, path, params)
        for page, exchange in enumerate(pages, start=1):
            if not ctx.expect(
                exchange.status == 200,
                op.label,
                f"page {page}: got {exchange.describe()}",
                exchange,
            ):
                break
            for problem in pagination_problems(exchange.json(), page, 2, path, params or None):
                ctx.fail(op.label, f"page {page} (reached through links.next): {problem}", exchange)
        if pages and all(p.status == 200 for p in pages):
            _compare_first_and_last(ctx, op, pages)


def _link(exchange: Exchange, name: str) -> Any:
    body = exchange.json()
    links = body.get("links") if isinstance(body, dict) else None
    return links.get(name) if isinstance(links, dict) else None


def _follow(ctx: RuleContext, op: Operation, url: Any, source: Exchange) -> Exchange | None:
    if not isinstance(url, str):
        return None
    answer = ctx.api.follow(url, operation=op.label)
    if answer is None:
        ctx.fail(op.label, f"link {url} leaves the deployment's base URL", source)
    return answer


def _follow_next(ctx: RuleContext, op: Operation, path: str, params: dict) -> list[Exchange]:
    """Page 1 with per_page 2, then each page its `links.next` names, as a client walks."""
    pages = [ctx.api.get(path, params={**params, "page": 1, "per_page": 2}, operation=op.label)]
    while len(pages) < MAX_FOLLOWED and pages[-1].status == 200:
        following = _follow(ctx, op, _link(pages[-1], "next"), pages[-1])
        if following is None:
            break
        pages.append(following)
    return pages


def _ids(exchange: Exchange, key: str) -> list[Any]:
    data = exchange.data if isinstance(exchange.data, list) else []
    return [item.get(key) for item in data if isinstance(item, dict)]


def _compare_first_and_last(ctx: RuleContext, op: Operation, pages: list[Exchange]) -> None:
    """`links.last` of page 1 answers the last page walked, `links.first` of it page 1."""
    key = identity(op)
    last_page = (pages[0].json() or {}).get("meta", {}).get("last_page")
    if last_page != len(pages):
        return  # the walk stopped early: nothing to compare the last page with
    for source, name, want in ((pages[0], "last", pages[-1]), (pages[-1], "first", pages[0])):
        answer = _follow(ctx, op, _link(source, name), source)
        if answer is None:
            continue
        ctx.expect(
            answer.status == 200 and _ids(answer, key) == _ids(want, key),
            op.label,
            f"links.{name} answers {key} {_ids(answer, key)}, the page it names has "
            f"{_ids(want, key)}",
            answer,
        )


def _walks(ctx: RuleContext, op: Operation, path: str) -> list[tuple[str, Walk]]:
    """The lists to walk: the suite's own records (small pages), and the whole list; walked
    once per run (PAGE-004 and PAGE-005 judge the same walks)."""
    key = f"walks {path}"
    if key in ctx.state.cache:
        return ctx.state.cache[key]
    params = _search_params(ctx, op)
    walks = []
    if params:
        walks.append(
            (
                "search by marker, per_page 2",
                walk(ctx.api, op, path, params, per_page=2, max_pages=10),
            )
        )
    walks.append(
        (
            "whole list, per_page 3" if not params else "whole list",
            walk(ctx.api, op, path, per_page=3 if not params else 100, max_pages=10),
        )
    )
    ctx.state.cache[key] = walks
    return walks


@rule(
    "PAGE-004",
    "Walking every page yields each item exactly once: pages are disjoint and "
    "the items counted equal meta.total",
    verifies=["REQ-PAGE-04"],
    severity=MAJOR,
)
def walk_complete(ctx: RuleContext) -> None:
    for op, path in _targets(ctx):
        key = identity(op)
        for label, result in _walks(ctx, op, path):
            last = result.pages[-1]
            if not result.stable:
                continue  # the deployment changed during the walk: nothing to conclude
            if not ctx.expect(last.status == 200, op.label, f"{label}: {last.describe()}", last):
                continue
            seen: dict[Any, int] = {}
            for item in result.items:
                seen[item.get(key)] = seen.get(item.get(key), 0) + 1
            twice = [k for k, n in seen.items() if n > 1]
            ctx.expect(
                not twice,
                op.label,
                f"{label}: items on more than one page ({key} {twice[:5]})",
                last,
            )
            if result.complete:
                ctx.expect(
                    len(result.items) == result.total,
                    op.label,
                    f"{label}: {len(result.items)} items over all pages, meta.total {result.total}",
                    last,
                )


@rule(
    "PAGE-005",
    "Items come in the documented x-ordering, within and across pages",
    verifies=["REQ-PAGE-05"],
    severity=MAJOR,
)
def documented_order(ctx: RuleContext) -> None:
    for op, path in _targets(ctx):
        if not op.ordering:
            continue
        for label, result in _walks(ctx, op, path):
            if not result.stable:
                continue
            for problem in order_problems(result.items, op.ordering, formats(op))[:3]:
                ctx.fail(op.label, f"{label}: {problem}", result.pages[-1])
            ctx.checked()


@rule(
    "PAGE-006",
    "A page past the last answers 200 with empty data, from/to null, "
    "current_page as asked and next null",
    verifies=["REQ-PAGE-06"],
    severity=MINOR,
)
def past_the_end(ctx: RuleContext) -> None:
    for op, path in _targets(ctx):
        total = _known_total(ctx, path)
        largest = op.paging.max_per_page
        if total is not None:  # PAGE-001 read it: the last page of the largest size follows
            page = max(1, math.ceil(total / largest)) + 1
        else:
            first = ctx.api.get(path, params={"per_page": largest}, operation=op.label)
            meta = (first.json() or {}).get("meta") if isinstance(first.json(), dict) else None
            if not isinstance(meta, dict) or not isinstance(meta.get("last_page"), int):
                ctx.fail(op.label, f"no meta.last_page: {first.describe()}", first)
                continue
            page = meta["last_page"] + 1
        exchange = ctx.api.get(path, params={"per_page": largest, "page": page}, operation=op.label)
        if ctx.expect(
            exchange.status == 200,
            op.label,
            f"page {page} (past the last): got {exchange.describe()}",
            exchange,
        ):
            for problem in pagination_problems(exchange.json(), page, largest, path):
                ctx.fail(op.label, f"page {page} (past the last): {problem}", exchange)
