"""Handlers of the Event Types tag."""

from __future__ import annotations

from connexion import NoContent

from ..data.listing import ListQuery
from ..services import event_types as service
from .context import RequestContext


async def list_event_types(ctx: RequestContext, query: ListQuery) -> dict:
    return await service.list_event_types(ctx.db, query)


async def create_event_type(ctx: RequestContext, body: dict) -> tuple[dict, int]:
    return {"data": await service.create_event_type(ctx.db, body)}, 201


async def get_event_type(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.get_event_type(ctx.db, id)}


async def update_event_type(ctx: RequestContext, id: int, body: dict) -> dict:
    return {"data": await service.update_event_type(ctx.db, id, body)}


async def delete_event_type(ctx: RequestContext, id: int) -> tuple[object, int]:
    await service.delete_event_type(ctx.db, id)
    return NoContent, 204
