"""Handlers of the Team tag."""

from __future__ import annotations

from ..services import team
from ._support import unit_of_work


async def get_team(token_info: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": team.get_team(session)}


async def update_team(token_info: dict, body: dict) -> dict:
    with unit_of_work(token_info) as session:
        return {"data": team.update_team(session, body)}
