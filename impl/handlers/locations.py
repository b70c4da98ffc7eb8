"""Handlers of the Locations tag."""

from __future__ import annotations

from connexion import NoContent

from ..data.listing import ListQuery
from ..services import locations as service
from .context import RequestContext


async def list_locations(ctx: RequestContext, query: ListQuery) -> dict:
    return await service.list_locations(ctx.db, query)


async def create_location(ctx: RequestContext, body: dict) -> tuple[dict, int]:
    return {"data": await service.create_location(ctx.db, body)}, 201


async def get_location(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.get_location(ctx.db, id)}


async def update_location(ctx: RequestContext, id: int, body: dict) -> dict:
    return {"data": await service.update_location(ctx.db, id, body)}


async def delete_location(ctx: RequestContext, id: int) -> tuple[object, int]:
    await service.delete_location(ctx.db, id)
    return NoContent, 204
