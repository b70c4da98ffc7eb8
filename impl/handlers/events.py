"""Handlers of the Events tag."""

from __future__ import annotations

from ..services import events as service
from ._support import list_query, reader, unit_of_work


async def list_events(token_info: dict, **args) -> dict:
    return service.list_events(reader(token_info), list_query(args))


async def create_event(token_info: dict, body: dict) -> tuple[dict, int]:
    with unit_of_work(token_info) as session:
        return {"data": service.create_event(session, body)}, 201


async def get_event(token_info: dict, id: int) -> dict:
    return {"data": service.get_event(reader(token_info), id)}


async def update_event(token_info: dict, id: int, body: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.update_event(session, id, body)}


async def cancel_event(token_info: dict, id: int) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.cancel_event(session, id)}


async def list_event_occurrences(token_info: dict, id: int, **args) -> dict:
    with unit_of_work(token_info) as session:
        return service.list_event_occurrences(session, id, list_query(args))
