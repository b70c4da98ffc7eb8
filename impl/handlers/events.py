"""Handlers of the Events tag (DELETE cancels: the event stays readable)."""

from __future__ import annotations

from ..data.listing import ListQuery
from ..services import events as service
from .context import RequestContext


async def list_events(ctx: RequestContext, query: ListQuery) -> dict:
    return await service.list_events(ctx.db, query)


async def create_event(ctx: RequestContext, body: dict) -> tuple[dict, int]:
    return {"data": await service.create_event(ctx.db, body)}, 201


async def get_event(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.get_event(ctx.db, id)}


async def update_event(ctx: RequestContext, id: int, body: dict) -> dict:
    return {"data": await service.update_event(ctx.db, id, body)}


async def cancel_event(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.cancel_event(ctx.db, id)}


async def list_event_occurrences(ctx: RequestContext, id: int, query: ListQuery) -> dict:
    return await service.list_event_occurrences(ctx.db, id, query)
