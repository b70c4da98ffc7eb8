"""The typed context a handler receives: who calls, and their team's view of the database."""

from __future__ import annotations

from dataclasses import dataclass

from .db import TeamConnection
from .request_state import RequestState
from .tokens import Principal


@dataclass(frozen=True)
class RequestContext:
    """Bound by the token check; the endpoint hands it to the handler as `ctx`.

    `db` runs every statement scoped to the caller's team, on the connection the token was
    read with (one connection per request, checked out once).
    """

    principal: Principal
    db: TeamConnection
    state: RequestState
