"""Handlers of the Transactions tag (read-only)."""

from __future__ import annotations

from ..data.listing import ListQuery
from ..services import transactions as service
from .context import RequestContext


async def list_transactions(ctx: RequestContext, query: ListQuery) -> dict:
    return await service.list_transactions(ctx.db, query)


async def get_transaction(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.get_transaction(ctx.db, id)}
