"""Faults in team isolation: another team's rows become visible to a token."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import Passthrough, bearer, call, read_body, request_header, with_header
from .routes import document


class OtherTeamRowById(Passthrough):
    """A lookup by id without the team condition (`Model::find($id)`).

    Breaks: another team's id answers 404, exactly like an unknown id. When the viewer's
    GET/PUT/DELETE of an id answers 404, the request is re-sent as the owner of the rows, and
    the owner's answer (its row, or the effect of the write on its row) is returned.
    Caught by: TEN-001.
    """

    def __init__(self, app: ASGIApp, viewer_token: str, owner_token: str) -> None:
        super().__init__(app)
        self.viewer = bearer(viewer_token)
        self.owner = bearer(owner_token)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = document().match(scope["method"], scope["path"])
        if (
            operation is None
            or not operation.has_id
            or request_header(scope, "authorization") != self.viewer
        ):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        response = await call(self.app, scope, body)
        if response.status == 404:
            leaked = await call(self.app, with_header(scope, "authorization", self.owner), body)
            if leaked.status < 400:
                response = leaked
        await response.send_to(send)


class OtherTeamRowsInLists(Passthrough):
    """List queries without the team condition: both teams' rows are listed.

    Breaks: a token never reads another team's rows. The viewer's list pages get the owner's
    rows of the same query appended, and `meta.total` counts them.
    Caught by: TEN-002.
    """

    def __init__(self, app: ASGIApp, viewer_token: str, owner_token: str) -> None:
        super().__init__(app)
        self.viewer = bearer(viewer_token)
        self.owner = bearer(owner_token)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = document().match(scope["method"], scope["path"])
        if (
            operation is None
            or not operation.is_list
            or request_header(scope, "authorization") != self.viewer
        ):
            await self.app(scope, receive, send)
            return
        response = await call(self.app, scope)
        leaked = await call(self.app, with_header(scope, "authorization", self.owner))
        if response.status == 200 and leaked.status == 200:
            page, other = response.json(), leaked.json()
            page["data"].extend(other["data"])
            page["meta"]["total"] += other["meta"]["total"]
            response.set_json(page)
        await response.send_to(send)
