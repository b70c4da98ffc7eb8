"""Faults in team isolation: another team's rows become visible to a token."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import Passthrough, bearer, call, read_body, request_header, with_header
from .routes import document


class _ViewerSeesOwner(Passthrough):
    """A fault acting on the viewer's requests to some operations, the owner's token at hand."""

    def __init__(self, app: ASGIApp, viewer_token: str, owner_token: str) -> None:
        super().__init__(app)
        self.viewer = bearer(viewer_token)
        self.owner = bearer(owner_token)

    def targets(self, scope: Scope) -> bool:
        """Whether this request is the viewer's, to an operation the fault acts on."""
        operation = document().match(scope["method"], scope["path"])
        return (
            operation is not None
            and self.acts_on(operation)
            and request_header(scope, "authorization") == self.viewer
        )

    def acts_on(self, operation) -> bool:
        raise NotImplementedError


class OtherTeamRowById(_ViewerSeesOwner):
    """A lookup by id without the team condition (`Model::find($id)`).

    Breaks: another team's id answers 404, exactly like an unknown id. When the viewer's
    GET/PUT/DELETE of an id answers 404, the request is re-sent as the owner of the rows, and
    the owner's answer (its row, or the effect of the write on its row) is returned.
    Caught by: TEN-001.
    """

    def acts_on(self, operation) -> bool:
        return operation.has_id

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.targets(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        response = await call(self.app, scope, body)
        if response.status == 404:
            leaked = await call(self.app, with_header(scope, "authorization", self.owner), body)
            if leaked.status < 400:
                response = leaked
        await response.send_to(send)


class OtherTeamRowsInLists(_ViewerSeesOwner):
    """List queries without the team condition: both teams' rows are listed.

    Breaks: a token never reads another team's rows. The viewer's list pages get the owner's
    rows of the same query appended, and `meta.total` counts them.
    Caught by: TEN-002.
    """

    def acts_on(self, operation) -> bool:
        return operation.is_list

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.targets(scope):
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
