"""Locations: where events take place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from ..db import TeamConnection
from ..listing import Listing, ListQuery
from ..models.resources import Location
from .common import (
    Rules,
    changes,
    found,
    missing,
    present,
    row_serializer,
    violation_is_422,
    wire_columns,
)

WRITABLE = ("name", "kind", "address", "phone", "url", "timezone", "is_active")

LIST_FIELDS = {
    "id": Location.id,
    "name": Location.name,
    "phone": Location.phone,
    "kind": Location.kind,
    "is_active": Location.is_active,
}

COLUMNS = wire_columns(Location, ("id", *WRITABLE, "created_at", "updated_at"))
serialize = row_serializer(COLUMNS)

_BY_ID = select(*COLUMNS).where(Location.id == bindparam("id"))
_LOCKED = _BY_ID.with_for_update(of=Location)
_INSERT = insert(Location).returning(*COLUMNS)
_UPDATE = update(Location).where(Location.id == bindparam("location_id")).returning(*COLUMNS)
_DELETE = delete(Location).where(Location.id == bindparam("id")).returning(Location.id)

LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize)


async def list_locations(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_location(db: TeamConnection, id_: int) -> dict[str, Any]:
    return serialize(found(await db.first(_BY_ID, {"id": id_}), Location, id_))


async def create_location(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    values = {"timezone": db.team.timezone, **present(body, WRITABLE)}
    return serialize(await db.first(_INSERT, values))


async def update_location(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    async with db.transaction():
        current = found(await db.first(_LOCKED, {"id": id_}), Location, id_)
        changed = changes(current._mapping, present(body, WRITABLE))
        if not changed:
            return serialize(current)
        return serialize(await db.first(_UPDATE, {"location_id": id_, **changed}))


async def delete_location(db: TeamConnection, id_: int) -> None:
    in_use = "The location is still used by events; deactivate it instead."
    async with violation_is_422("id", in_use):
        if await db.first(_DELETE, {"id": id_}) is None:
            raise missing(Location, id_)


def _check(body: dict[str, Any]) -> None:
    rules = Rules()
    rules.timezone("timezone", body.get("timezone"))
    rules.check()
