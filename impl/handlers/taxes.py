"""Handlers of the Taxes tag."""

from __future__ import annotations

from connexion import NoContent

from ..data.listing import ListQuery
from ..services import taxes as service
from .context import RequestContext


async def list_taxes(ctx: RequestContext, query: ListQuery) -> dict:
    return await service.list_taxes(ctx.db, query)


async def create_tax(ctx: RequestContext, body: dict) -> tuple[dict, int]:
    return {"data": await service.create_tax(ctx.db, body)}, 201


async def get_tax(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.get_tax(ctx.db, id)}


async def update_tax(ctx: RequestContext, id: int, body: dict) -> dict:
    return {"data": await service.update_tax(ctx.db, id, body)}


async def delete_tax(ctx: RequestContext, id: int) -> tuple[object, int]:
    await service.delete_tax(ctx.db, id)
    return NoContent, 204
