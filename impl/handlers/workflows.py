"""Handlers of the Workflows tag."""

from __future__ import annotations

from connexion import NoContent

from ..services import workflows as service
from ._support import list_query, unit_of_work


async def list_workflows(token_info: dict, **args) -> dict:
    with unit_of_work(token_info) as session:
        return service.list_workflows(session, list_query(args))


async def create_workflow(token_info: dict, body: dict) -> tuple[dict, int]:
    with unit_of_work(token_info) as session:
        return {"data": service.create_workflow(session, body)}, 201


async def get_workflow(token_info: dict, id: int) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.get_workflow(session, id)}


async def update_workflow(token_info: dict, id: int, body: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": service.update_workflow(session, id, body)}


async def delete_workflow(token_info: dict, id: int) -> tuple[object, int]:
    with unit_of_work(token_info) as session:
        service.delete_workflow(session, id)
    return NoContent, 204
