"""Handlers of the Transactions tag (read-only)."""

from __future__ import annotations

from ..services import transactions as service
from ._support import list_query, unit_of_work


async def list_transactions(token_info: dict, **args) -> dict:
    with unit_of_work(token_info) as session:
        return service.list_transactions(session, list_query(args))


async def get_transaction(token_info: dict, id: int) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.get_transaction(session, id)}
