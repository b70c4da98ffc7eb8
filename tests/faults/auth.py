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
    Caught by: SCOPE-001.
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
    Caught by: AUTH-001.
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
    Caught by: AUTH-005.
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


class AnySchemeAccepted(Passthrough):
    """The token is read as the header's last word, whatever the scheme (`Token x`, `Basic x`).

    Breaks: only `Authorization: Bearer <token>` authenticates; any other header is 401.
    Caught by: AUTH-002.
    """

    def __init__(self, app: ASGIApp, tokens: set[str]) -> None:
        super().__init__(app)
        self.tokens = tokens

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = request_header(scope, "authorization") or ""
        scheme, _, credentials = header.partition(" ")
        if scheme != "Bearer" and credentials.strip() in self.tokens:
            scope = with_request_header(scope, "authorization", bearer(credentials.strip()))
        await self.app(scope, receive, send)


class SecretNotCompared(Passthrough):
    """The token is looked up by its id and its secret never compared.

    Breaks: a token authenticates only with its own secret (a revoked or guessed secret for
    a real token id is 401). A `{id}|{anything}` naming a real token's id is replaced by that
    token before the server sees it.
    Caught by: AUTH-004.
    """

    def __init__(self, app: ASGIApp, tokens: set[str]) -> None:
        super().__init__(app)
        self.by_id = {token.split("|", 1)[0]: token for token in tokens}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = request_header(scope, "authorization") or ""
        presented = header.removeprefix("Bearer ").strip()
        token_id = presented.split("|", 1)[0] if "|" in presented else None
        if header.startswith("Bearer ") and token_id in self.by_id:
            scope = with_request_header(scope, "authorization", bearer(self.by_id[token_id]))
        await self.app(scope, receive, send)


class UnauthenticatedAs403(ResponseFault):
    """A token that is sent but not recognized answers 403 instead of 401.

    Breaks: a missing, malformed, unknown or revoked token answers 401 (403 is only for a
    valid token without the scope).
    Caught by: AUTH-003.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 401 and request_header(scope, "authorization"):
            response.status = 403
            response.drop_header("www-authenticate")
            response.set_json({"message": "This action is unauthorized."})
        return response


class ForbiddenOperations(Passthrough):
    """Some operations refuse a token with 403 although it holds their scopes (a route given
    the wrong ability, or a wildcard `*` the ability check does not understand).

    Breaks: a token may call every operation whose `x-scopes` it holds.
    Caught by: SCOPE-002 (given the limited token) and SCOPE-003 (given the `*` token).
    """

    def __init__(self, app: ASGIApp, token: str, operation_ids: set[str]) -> None:
        super().__init__(app)
        self.token = bearer(token)
        self.operation_ids = operation_ids

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = document().match(scope["method"], scope["path"])
        if (
            operation is not None
            and operation.operation_id in self.operation_ids
            and request_header(scope, "authorization") == self.token
        ):
            refusal = Captured(status=403, headers=[("content-type", "application/json")])
            refusal.set_json({"message": "This action is unauthorized."})
            await refusal.send_to(send)
            return
        await self.app(scope, receive, send)
