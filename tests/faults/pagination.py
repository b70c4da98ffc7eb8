"""Faults in pagination: defaults, bounds, counts, links and page boundaries."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import (
    Captured,
    JsonResponseFault,
    Passthrough,
    ResponseFault,
    call,
    query_params,
    with_query,
)
from .routes import document


def is_list_request(scope: Scope) -> bool:
    operation = document().match(scope["method"], scope["path"])
    return operation is not None and operation.is_list


def is_page(document_: Any) -> bool:
    return isinstance(document_, dict) and isinstance(document_.get("meta"), dict)


class DefaultPerPage(Passthrough):
    """`per_page` defaults to 20 instead of 15 (a framework default left in place).

    Breaks: `per_page` defaults to 15. A list request without `per_page` is served as if it
    asked for `per_page=20`; `meta.per_page` honestly says 20.
    Caught by: PAGE-001.
    """

    def __init__(self, app: ASGIApp, per_page: int = 20) -> None:
        super().__init__(app)
        self.per_page = per_page

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        params = query_params(scope)
        if is_list_request(scope) and not any(name == "per_page" for name, _ in params):
            scope = with_query(scope, [*params, ("per_page", str(self.per_page))])
        await self.app(scope, receive, send)


class PerPageClamped(Passthrough):
    """`per_page` above the maximum is silently clamped to 100 instead of refused.

    Breaks: `per_page` outside 1..100 answers 400.
    Caught by: PAGE-002.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_list_request(scope):
            params = [
                (name, _clamp(value) if name == "per_page" else value)
                for name, value in query_params(scope)
            ]
            scope = with_query(scope, params)
        await self.app(scope, receive, send)


def _clamp(value: str) -> str:
    return "100" if value.isdigit() and int(value) > 100 else value


class TotalOffByOne(JsonResponseFault):
    """`meta.total` counts one row too many (a count query that forgets a condition).

    Breaks: `meta.total` is the number of items matching the filters on all pages.
    Caught by: PAGE-004.
    """

    statuses = (200,)

    def edit(self, scope: Scope, document_: Any) -> None:
        if is_page(document_):
            document_["meta"]["total"] += 1


class LastPageFloored(JsonResponseFault):
    """`meta.last_page` computed with integer division instead of rounding up.

    Breaks: `last_page = max(1, ceil(total / per_page))`.
    Caught by: PAGE-003.
    """

    statuses = (200,)

    def edit(self, scope: Scope, document_: Any) -> None:
        if is_page(document_):
            meta = document_["meta"]
            meta["last_page"] = max(1, meta["total"] // meta["per_page"])


class OffsetOffByOne(Passthrough):
    """Page n starts one row early (`offset = (page - 1) * per_page - 1`).

    Breaks: walking every page yields each matching row exactly once. From page 2 on, a page
    starts with the last row of the page before it, and its own last row moves to the next.
    Caught by: PAGE-004.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        params = dict(query_params(scope))
        page = params.get("page", "1")
        if not is_list_request(scope) or not page.isdigit() or int(page) < 2:
            await self.app(scope, receive, send)
            return
        response = await call(self.app, scope)
        previous_params = [(k, v) for k, v in query_params(scope) if k != "page"]
        previous = await call(
            self.app, with_query(scope, [*previous_params, ("page", str(int(page) - 1))])
        )
        if response.status == 200 and previous.status == 200:
            body, before = response.json(), previous.json()
            if before["data"]:
                per_page = body["meta"]["per_page"]
                body["data"] = [before["data"][-1], *body["data"]][:per_page]
                response.set_json(body)
        await response.send_to(send)


class LinksDropQuery(JsonResponseFault):
    """Page links keep only `page` (the paginator's `withQueryString()` forgotten).

    Breaks: `links` are the URLs of the other pages "with the same filters" (and `per_page`).
    Caught by: PAGE-003.
    """

    statuses = (200,)

    def edit(self, scope: Scope, document_: Any) -> None:
        if not is_page(document_) or not isinstance(document_.get("links"), dict):
            return
        links = document_["links"]
        for name, url in links.items():
            if isinstance(url, str):
                links[name] = _only_page(url)


def _only_page(url: str) -> str:
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k == "page"]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class PastLastPageNotFound(ResponseFault):
    """A page past the last answers 404 instead of an empty page.

    Breaks: a page past the last answers 200 with `data: []` and `current_page` as asked.
    Caught by: PAGE-006.
    """

    def applies(self, scope: Scope) -> bool:
        return is_list_request(scope)

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 200 and response.is_json:
            body = response.json()
            meta = body.get("meta", {})
            if not body.get("data") and meta.get("current_page", 1) > meta.get("last_page", 1):
                response.status = 404
                response.set_json({"message": "Not Found."})
        return response
