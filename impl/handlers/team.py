"""Handlers of the Team tag."""

from __future__ import annotations

from ..services import team as service
from .context import RequestContext


async def get_team(ctx: RequestContext) -> dict:
    return {"data": await service.get_team(ctx.db)}


async def update_team(ctx: RequestContext, body: dict) -> dict:
    return {"data": await service.update_team(ctx.db, body)}
