"""Faults in authentication and scopes (the contract's "Authentication and scopes")."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import Captured, Passthrough, ResponseFault, bearer, call, read_body, request_header
from .asgi import with_header as with_request_header
from .routes import document


class ScopeNotEnforced(Passthrough):
    """A route whose ability check was forgotten: the limited token acts with every scope.

    Breaks: an operation's `x-scopes` are enforced (403 without them). The limited token's
    requests to `operation_ids` are re-sent with the full token of the same team, as if the
    server never compared the token's scopes with the operation's.
    """

    def __init__(
        self, app: ASGIApp, limited_token: str, full_token: str, operation_ids: set[str]
    ) -> None:
        super().__init__(app)
        self.limited = bearer(limited_token)
        self.full = bearer(full_token)
        self.operation_ids = operation_ids

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = document().match(scope["method"], scope["path"])
        if (
            operation is not None
            and operation.operation_id in self.operation_ids
            and request_header(scope, "authorization") == self.limited
        ):
            scope = with_request_header(scope, "authorization", self.full)
        await self.app(scope, receive, send)


class NoWwwAuthenticate(ResponseFault):
    """401 answered without the `WWW-Authenticate: Bearer` challenge.

    Breaks: every 401 carries `WWW-Authenticate: Bearer` (RFC 6750).
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 401:
            response.drop_header("www-authenticate")
        return response


class ValidationBeforeAuthentication(Passthrough):
    """Request validation runs before authentication (a form request resolved first).

    Breaks: authentication comes before validation: a request without a valid token is 401
    whatever its parameters or body. An unauthenticated request is validated as if the full
    token had sent it, and a 400/422 from that is what the caller gets.
    """

    def __init__(self, app: ASGIApp, full_token: str) -> None:
        super().__init__(app)
        self.full = bearer(full_token)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        response = await call(self.app, scope, body)
        if response.status == 401:
            validated = await call(
                self.app, with_request_header(scope, "authorization", self.full), body
            )
            if validated.status in (400, 422):
                for name in ("x-ratelimit-limit", "x-ratelimit-remaining"):
                    validated.drop_header(name)
                response = validated
        await response.send_to(send)
