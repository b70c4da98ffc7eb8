"""Handlers of the Taxes tag."""

from __future__ import annotations

from connexion import NoContent

from ..services import taxes as service
from ._support import list_query, unit_of_work


async def list_taxes(token_info: dict, **args) -> dict:
    with unit_of_work(token_info) as session:
        return service.list_taxes(session, list_query(args))


async def create_tax(token_info: dict, body: dict) -> tuple[dict, int]:
    with unit_of_work(token_info) as session:
        return {"data": service.create_tax(session, body)}, 201


async def get_tax(token_info: dict, id: int) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.get_tax(session, id)}


async def update_tax(token_info: dict, id: int, body: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.update_tax(session, id, body)}


async def delete_tax(token_info: dict, id: int) -> tuple[object, int]:
    with unit_of_work(token_info) as session:
        service.delete_tax(session, id)
    return NoContent, 204
