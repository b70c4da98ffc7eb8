"""Authentication, scopes and the rate limit: one check, in one place, before validation.

Connexion's security middleware calls `TokenGuard.verify` for every operation whose
security requirement names the bearer scheme. The order is the contract's: a valid token
(401), the operation's `x-scopes` (403), the rate limit (429); only then validation runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from connexion.lifecycle import ConnexionRequest
from connexion.security import AbstractSecurityHandler
from schedulingkit.openapi.contract import Contract, Operation

from ..data.db import Database, TeamConnection
from ..data.tokens import Principal, authenticate
from ..domain.errors import Forbidden, TooManyAttempts, Unauthenticated
from ..handlers.context import RequestContext
from .ratelimit import RateLimiter
from .request_state import request_state

CONTEXT_KEY = "context"  # where the token info Connexion keeps carries the RequestContext


@dataclass
class TokenGuard:
    database: Database
    contract: Contract
    limiter: RateLimiter

    async def verify(self, request: ConnexionRequest) -> dict:
        """Connexion security function: the token info it keeps (the endpoint takes the
        request context from it)."""
        context = await self.authorize(request, self.contract.get(_operation_id(request)))
        return {"sub": str(context.principal.token_id), CONTEXT_KEY: context}

    async def authorize(
        self, request: ConnexionRequest, operation: Operation | None
    ) -> RequestContext:
        """401, 403 or 429 as the contract orders them; the request context when all pass."""
        state = request_state(request.scope)
        principal = await self._principal(request)
        if operation is None:  # fail closed: an operation we cannot place grants nothing
            raise Forbidden("This action is unauthorized.")
        missing = [s for s in operation.scopes if not principal.can(s)]
        if missing:
            _set_headers(request, (await self.limiter.peek(principal.token_id)).headers())
            raise Forbidden(f"This token lacks the scope {', '.join(missing)}.")
        decision = await self.limiter.hit(principal.token_id)
        if not decision.allowed:
            _set_headers(request, decision.refusal_headers())
            raise TooManyAttempts()
        _set_headers(request, decision.headers())
        connection = await state.connection(self.database)
        db = TeamConnection(self.database, connection, principal.team)
        return RequestContext(principal, db, state)

    async def _principal(self, request: ConnexionRequest) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthenticated()
        # the request keeps this connection for the handler's statements
        connection = await request_state(request.scope).connection(self.database)
        principal = await authenticate(self.database, connection, credentials.strip())
        if principal is None:
            raise Unauthenticated()
        return principal


def _operation_id(request: ConnexionRequest) -> str | None:
    routing = request.scope.get("extensions", {}).get("connexion_routing", {})
    return routing.get("operation_id")


def _set_headers(request: ConnexionRequest, headers: dict[str, str]) -> None:
    """Hand headers to `RequestStateMiddleware`, which adds them to whatever is answered."""
    request_state(request.scope).headers.update(headers)


def security_map(guard: TokenGuard) -> dict:
    """A Connexion `security_map` whose bearer scheme is checked by `guard`."""

    class BearerHandler(AbstractSecurityHandler):
        def get_fn(self, security_scheme, required_scopes):
            return guard.verify

    return {"bearer": BearerHandler}
