"""The typed context a handler receives: who calls, their team's view of the database, and
the request's own state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..data.db import TeamConnection
from ..data.tokens import Principal


class RequestState(Protocol):
    """What the web layer keeps for one request (`web.request_state.RequestState`): the
    headers every answer will carry and the parsed query string."""

    headers: dict[str, str]

    @property
    def query(self) -> Any: ...


@dataclass(frozen=True)
class RequestContext:
    """Bound by the token check; the endpoint hands it to the handler as `ctx`.

    `db` runs every statement scoped to the caller's team (`principal.team`), on the
    connection the token was read with (one connection per request, checked out once).
    """

    principal: Principal
    db: TeamConnection
    state: RequestState
