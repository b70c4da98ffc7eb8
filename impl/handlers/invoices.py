"""Handlers of the Invoices tag (no DELETE: invoices are cancelled or refunded)."""

from __future__ import annotations

from ..services import invoices as service
from ._support import list_query, unit_of_work


async def list_invoices(token_info: dict, **args) -> dict:
    with unit_of_work(token_info) as session:
        return service.list_invoices(session, list_query(args))


async def create_invoice(token_info: dict, body: dict) -> tuple[dict, int]:
    with unit_of_work(token_info) as session:
        return {"data": service.create_invoice(session, body)}, 201


async def get_invoice(token_info: dict, id: int) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.get_invoice(session, id)}


async def update_invoice(token_info: dict, id: int, body: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.update_invoice(session, id, body)}
