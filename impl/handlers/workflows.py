"""Handlers of the Workflows tag."""

from __future__ import annotations

from connexion import NoContent

from ..data.listing import ListQuery
from ..services import workflows as service
from .context import RequestContext


async def list_workflows(ctx: RequestContext, query: ListQuery) -> dict:
    return await service.list_workflows(ctx.db, query)


async def create_workflow(ctx: RequestContext, body: dict) -> tuple[dict, int]:
    return {"data": await service.create_workflow(ctx.db, body)}, 201


async def get_workflow(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.get_workflow(ctx.db, id)}


async def update_workflow(ctx: RequestContext, id: int, body: dict) -> dict:
    return {"data": await service.update_workflow(ctx.db, id, body)}


async def delete_workflow(ctx: RequestContext, id: int) -> tuple[object, int]:
    await service.delete_workflow(ctx.db, id)
    return NoContent, 204
