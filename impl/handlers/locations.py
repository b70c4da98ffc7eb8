"""Handlers of the Locations tag."""

from __future__ import annotations

from connexion import NoContent

from ..services import locations as service
from ._support import list_query, unit_of_work


async def list_locations(token_info: dict, **args) -> dict:
    with unit_of_work(token_info) as session:
        return service.list_locations(session, list_query(args))


async def create_location(token_info: dict, body: dict) -> tuple[dict, int]:
    with unit_of_work(token_info) as session:
        return {"data": service.create_location(session, body)}, 201


async def get_location(token_info: dict, id: int) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.get_location(session, id)}


async def update_location(token_info: dict, id: int, body: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.update_location(session, id, body)}


async def delete_location(token_info: dict, id: int) -> tuple[object, int]:
    with unit_of_work(token_info) as session:
        service.delete_location(session, id)
    return NoContent, 204
