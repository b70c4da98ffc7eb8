"""Handlers of the Clients tag."""

from __future__ import annotations

from connexion import NoContent

from ..services import clients as service
from ._support import list_query, unit_of_work


async def list_clients(token_info: dict, **args) -> dict:
    with unit_of_work(token_info) as session:
        return service.list_clients(session, list_query(args))


async def create_client(token_info: dict, body: dict) -> tuple[dict, int]:
    with unit_of_work(token_info) as session:
        return {"data": service.create_client(session, body)}, 201


async def get_client(token_info: dict, id: int) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.get_client(session, id)}


async def update_client(token_info: dict, id: int, body: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.update_client(session, id, body)}


async def delete_client(token_info: dict, id: int) -> tuple[object, int]:
    with unit_of_work(token_info) as session:
        service.delete_client(session, id)
    return NoContent, 204
