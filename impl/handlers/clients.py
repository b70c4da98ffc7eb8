"""Handlers of the Clients tag."""

from __future__ import annotations

from connexion import NoContent

from ..data.listing import ListQuery
from ..services import clients as service
from .context import RequestContext


async def list_clients(ctx: RequestContext, query: ListQuery) -> dict:
    return await service.list_clients(ctx.db, query)


async def create_client(ctx: RequestContext, body: dict) -> tuple[dict, int]:
    return {"data": await service.create_client(ctx.db, body)}, 201


async def get_client(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.get_client(ctx.db, id)}


async def update_client(ctx: RequestContext, id: int, body: dict) -> dict:
    return {"data": await service.update_client(ctx.db, id, body)}


async def delete_client(ctx: RequestContext, id: int) -> tuple[object, int]:
    await service.delete_client(ctx.db, id)
    return NoContent, 204
