"""Clients: the people who book with the team. Tags are rows of `client_tags` (so `?tag=` is
an indexed lookup), read back as a JSON array in the client's own row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select

from ..data.db import TeamConnection
from ..data.json_sql import json_array
from ..data.listing import Contains, Listing, ListQuery
from ..data.models.base import utcnow
from ..data.models.resources import Client, ClientTag
from .common import Rows, Rules, present, row_serializer, wire_columns

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
ROWS = Rows(Client, COLUMNS)
_READ = select(*COLUMNS, TAGS)
_BY_ID = _READ.where(Client.id == bindparam("row_id"))
_LOCKED = _BY_ID.with_for_update(of=Client)
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
    return serialize(await ROWS.get(db, id_, _BY_ID))


async def create_client(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    values = {"timezone": db.team.timezone, **present(body, COLUMNS_WRITTEN)}
    tags = list(body.get("tags") or ())
    if not tags:  # one statement: no transaction around it
        return serialize(await ROWS.create(db, values), tags)
    async with db.transaction():
        row = await ROWS.create(db, values)
        await _add_tags(db, row.id, tags)
    return serialize(row, tags)


async def update_client(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    async with db.transaction():
        current = await ROWS.get(db, id_, _LOCKED)
        tags = body.get("tags")
        if tags is None or tags == current.tags:
            row = await ROWS.write(db, current, present(body, COLUMNS_WRITTEN))
            return serialize(row, current.tags)
        # new tags move `updated_at` even when the client's own columns stay
        wanted = {**present(body, COLUMNS_WRITTEN), "updated_at": utcnow()}
        row = await ROWS.write(db, current, wanted)
        await db.execute(_CLEAR_TAGS, {"client_id": id_})
        await _add_tags(db, id_, tags)
    return serialize(row, tags)


async def delete_client(db: TeamConnection, id_: int) -> None:
    await ROWS.remove(db, id_, "The client is still referenced by events or invoices.")


async def _add_tags(db: TeamConnection, client_id: int, tags: list[str]) -> None:
    if tags:
        rows = [{"client_id": client_id, "position": i, "tag": t} for i, t in enumerate(tags)]
        await db.execute(_ADD_TAGS, rows)


def _check(body: dict[str, Any]) -> None:
    rules = Rules()
    rules.timezone("timezone", body.get("timezone"))
    rules.check()
