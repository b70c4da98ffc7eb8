"""Event types: bookable services, with a slug unique within the team."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, bindparam, delete, insert, select, update
from sqlalchemy.orm import aliased

from ..db import TeamConnection
from ..listing import Listing, ListQuery
from ..models.resources import EventType
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

WRITABLE = (
    "name",
    "slug",
    "description",
    "kind",
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "price",
    "currency",
    "max_attendees",
    "is_active",
    "color",
)

SLUG_TAKEN = "The slug has already been taken."

LIST_FIELDS = {
    "id": EventType.id,
    "name": EventType.name,
    "slug": EventType.slug,
    "description": EventType.description,
    "kind": EventType.kind,
    "is_active": EventType.is_active,
}

COLUMNS = wire_columns(EventType, ("id", *WRITABLE, "created_at", "updated_at"))
serialize = row_serializer(COLUMNS)

_other = aliased(EventType)
_SLUG_TAKEN = (
    select(_other.id)
    .where(_other.slug == bindparam("slug"), _other.id != bindparam("not_id"))
    .exists()
    .label("slug_taken")
)
_BY_ID = select(*COLUMNS).where(EventType.id == bindparam("id"))
_LOCKED = _BY_ID.with_for_update(of=EventType)
_LOCKED_WITH_SLUG: Select = _LOCKED.add_columns(_SLUG_TAKEN)
_SLUG_CHECK = select(_SLUG_TAKEN)
_INSERT = insert(EventType).returning(*COLUMNS)
_UPDATE = update(EventType).where(EventType.id == bindparam("type_id")).returning(*COLUMNS)
_DELETE = delete(EventType).where(EventType.id == bindparam("id")).returning(EventType.id)

LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize)


async def list_event_types(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_event_type(db: TeamConnection, id_: int) -> dict[str, Any]:
    return serialize(found(await db.first(_BY_ID, {"id": id_}), EventType, id_))


async def create_event_type(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    """One INSERT; the unique (team, slug) key answers a taken slug. When another rule fails,
    the slug is looked up too, so the 422 lists every failing field."""
    values = {"currency": db.team.currency, **present(body, WRITABLE)}
    rules = _rules(values)
    if rules.errors:
        if await db.scalar(_SLUG_CHECK, {"slug": values["slug"], "not_id": 0}):
            rules.fail("slug", SLUG_TAKEN)
        rules.check()
    async with violation_is_422("slug", SLUG_TAKEN):
        return serialize(await db.first(_INSERT, values))


async def update_event_type(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    """The row locked and read (with whether the new slug is taken), checked as it would be
    saved, then written."""
    async with db.transaction():
        if "slug" in body:
            params = {"id": id_, "slug": body["slug"], "not_id": id_}
            current = found(await db.first(_LOCKED_WITH_SLUG, params), EventType, id_)
        else:
            current = found(await db.first(_LOCKED, {"id": id_}), EventType, id_)
        merged = {**current._mapping, **present(body, WRITABLE)}
        rules = _rules(merged)
        if "slug" in body and current.slug_taken:
            rules.fail("slug", SLUG_TAKEN)
        rules.check()
        changed = changes(current._mapping, present(body, WRITABLE))
        if not changed:
            return serialize(current)
        async with violation_is_422("slug", SLUG_TAKEN):
            return serialize(await db.first(_UPDATE, {"type_id": id_, **changed}))


async def delete_event_type(db: TeamConnection, id_: int) -> None:
    in_use = "The event type is still used by events or workflows; deactivate it instead."
    async with violation_is_422("id", in_use):
        if await db.first(_DELETE, {"id": id_}) is None:
            raise missing(EventType, id_)


def _rules(row: Mapping[str, Any]) -> Rules:
    """Rules the schema cannot say, on the row as it would be saved (not raised yet)."""
    rules = Rules()
    if row.get("kind") == "group" and row.get("max_attendees") is None:
        rules.fail("max_attendees", "The max attendees field is required when kind is group.")
    if row.get("kind") != "group" and row.get("max_attendees") is not None:
        rules.fail("max_attendees", "The max attendees field is prohibited unless kind is group.")
    return rules
