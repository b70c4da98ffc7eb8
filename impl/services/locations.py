"""Locations: where events take place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..data.db import TeamConnection
from ..data.listing import Listing, ListQuery
from ..data.models.resources import Location
from .common import Rows, Rules, present, row_serializer, wire_columns

WRITABLE = ("name", "kind", "address", "phone", "url", "timezone", "is_active")

LIST_FIELDS = {
    "id": Location.id,
    "name": Location.name,
    "phone": Location.phone,
    "kind": Location.kind,
    "is_active": Location.is_active,
}

COLUMNS = wire_columns(Location, ("id", *WRITABLE, "created_at", "updated_at"))
ROWS = Rows(Location, COLUMNS)
serialize = row_serializer(COLUMNS)

LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize)


async def list_locations(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_location(db: TeamConnection, id_: int) -> dict[str, Any]:
    return serialize(await ROWS.get(db, id_))


async def create_location(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    values = {"timezone": db.team.timezone, **present(body, WRITABLE)}
    return serialize(await ROWS.create(db, values))


async def update_location(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    async with db.transaction():
        current = await ROWS.get(db, id_, ROWS.locked)
        return serialize(await ROWS.write(db, current, present(body, WRITABLE)))


async def delete_location(db: TeamConnection, id_: int) -> None:
    await ROWS.remove(db, id_, "The location is still used by events; deactivate it instead.")


def _check(body: dict[str, Any]) -> None:
    rules = Rules()
    rules.timezone("timezone", body.get("timezone"))
    rules.check()
