"""Handlers of the Invoices tag (no DELETE: invoices are cancelled or refunded)."""

from __future__ import annotations

from ..data.listing import ListQuery
from ..services import invoices as service
from .context import RequestContext


async def list_invoices(ctx: RequestContext, query: ListQuery) -> dict:
    return await service.list_invoices(ctx.db, query)


async def create_invoice(ctx: RequestContext, body: dict) -> tuple[dict, int]:
    return {"data": await service.create_invoice(ctx.db, body)}, 201


async def get_invoice(ctx: RequestContext, id: int) -> dict:
    return {"data": await service.get_invoice(ctx.db, id)}


async def update_invoice(ctx: RequestContext, id: int, body: dict) -> dict:
    return {"data": await service.update_invoice(ctx.db, id, body)}
