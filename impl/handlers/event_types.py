"""Handlers of the Event Types tag."""

from __future__ import annotations

from connexion import NoContent

from ..services import event_types as service
from ._support import list_query, unit_of_work


async def list_event_types(token_info: dict, **args) -> dict:
    with unit_of_work(token_info) as session:
        return service.list_event_types(session, list_query(args))


async def create_event_type(token_info: dict, body: dict) -> tuple[dict, int]:
    with unit_of_work(token_info) as session:
        return {"data": service.create_event_type(session, body)}, 201


async def get_event_type(token_info: dict, id: int) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.get_event_type(session, id)}


async def update_event_type(token_info: dict, id: int, body: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.update_event_type(session, id, body)}


async def delete_event_type(token_info: dict, id: int) -> tuple[object, int]:
    with unit_of_work(token_info) as session:
        service.delete_event_type(session, id)
    return NoContent, 204
