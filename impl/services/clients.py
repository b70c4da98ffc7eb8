"""Clients: the people who book with the team. Tags are rows of `client_tags` (so `?tag=` is
an indexed lookup), read back as a JSON array in the client's own row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from ..db import TeamConnection
from ..json_sql import json_array
from ..listing import Contains, Listing, ListQuery
from ..models.base import utcnow
from ..models.resources import Client, ClientTag
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

WRITABLE = ("name", "email", "phone", "timezone", "notes", "tags", "address")
COLUMNS_WRITTEN = ("name", "email", "phone", "timezone", "notes", "address")

LIST_FIELDS = {
    "id": Client.id,
    "name": Client.name,
    "email": Client.email,
    "phone": Client.phone,
    "tags": Contains(ClientTag.tag, ClientTag.client_id, Client.id),
}

# In the answer's order; `tags` comes from its own table.
COLUMNS = wire_columns(Client, ("id", *COLUMNS_WRITTEN, "created_at", "updated_at"))
TAGS = json_array(
    ClientTag.tag,
    source=ClientTag.__table__,
    where=ClientTag.client_id == Client.id,
    order_by=[ClientTag.position],
).label("tags")

_READ = select(*COLUMNS, TAGS)
_BY_ID = _READ.where(Client.id == bindparam("id"))
_LOCKED = _BY_ID.with_for_update(of=Client)
_INSERT = insert(Client).returning(*COLUMNS)
_UPDATE = update(Client).where(Client.id == bindparam("client_id")).returning(*COLUMNS)
_DELETE = delete(Client).where(Client.id == bindparam("id")).returning(Client.id)
_CLEAR_TAGS = delete(ClientTag).where(ClientTag.client_id == bindparam("client_id"))
_ADD_TAGS = insert(ClientTag)


_answered = row_serializer((*COLUMNS, TAGS))


def serialize(row: Any, tags: list[str] | None = None) -> dict[str, Any]:
    """A client as answered, from a row of `COLUMNS` and `TAGS` (or `tags` given apart)."""
    answer = _answered(row)
    if tags is not None:
        answer["tags"] = tags
    return {key: answer[key] for key in _ORDER}


_ORDER = ("id", *WRITABLE, "created_at", "updated_at")

LISTING = Listing(_READ, LIST_FIELDS, serialize)


async def list_clients(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_client(db: TeamConnection, id_: int) -> dict[str, Any]:
    return serialize(found(await db.first(_BY_ID, {"id": id_}), Client, id_))


async def create_client(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    values = {"timezone": db.team.timezone, **present(body, COLUMNS_WRITTEN)}
    tags = list(body.get("tags") or ())
    if not tags:  # one statement: no transaction around it
        return serialize(await db.first(_INSERT, values), tags)
    async with db.transaction():
        row = await db.first(_INSERT, values)
        await _add_tags(db, row.id, tags)
    return serialize(row, tags)


async def update_client(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    async with db.transaction():
        current = found(await db.first(_LOCKED, {"id": id_}), Client, id_)
        changed = changes(current._mapping, present(body, WRITABLE))
        tags = changed.pop("tags", None)
        row = current
        if changed or tags is not None:
            # the client's row is written even when only its tags change: `updated_at` moves
            row = await db.first(_UPDATE, {"client_id": id_, **changed, "updated_at": utcnow()})
        if tags is not None:
            await db.execute(_CLEAR_TAGS, {"client_id": id_})
            await _add_tags(db, id_, tags)
    return serialize(row, tags if tags is not None else current.tags)


async def delete_client(db: TeamConnection, id_: int) -> None:
    async with violation_is_422("id", "The client is still referenced by events or invoices."):
        if await db.first(_DELETE, {"id": id_}) is None:
            raise missing(Client, id_)


async def _add_tags(db: TeamConnection, client_id: int, tags: list[str]) -> None:
    if tags:
        rows = [{"client_id": client_id, "position": i, "tag": t} for i, t in enumerate(tags)]
        await db.execute(_ADD_TAGS, rows)


def _check(body: dict[str, Any]) -> None:
    rules = Rules()
    rules.timezone("timezone", body.get("timezone"))
    rules.check()
