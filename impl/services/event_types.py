"""Event types: bookable services, with a slug unique within the team."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from ..data.db import TeamConnection
from ..data.listing import Listing, ListQuery
from ..data.models.resources import EventType
from .common import (
    Rows,
    Rules,
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
ROWS = Rows(EventType, COLUMNS)
serialize = row_serializer(COLUMNS)

_other = aliased(EventType)
_SLUG_TAKEN = (
    select(_other.id)
    .where(_other.slug == bindparam("slug"), _other.id != bindparam("not_id"))
    .exists()
    .label("slug_taken")
)
_LOCKED_WITH_SLUG: Select = ROWS.locked.add_columns(_SLUG_TAKEN)
_SLUG_CHECK = select(_SLUG_TAKEN)

LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize)


async def list_event_types(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_event_type(db: TeamConnection, id_: int) -> dict[str, Any]:
    return serialize(await ROWS.get(db, id_))


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
        return serialize(await ROWS.create(db, values))


async def update_event_type(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    """The row locked and read (with whether the new slug is taken), checked as it would be
    saved, then written."""
    wanted = present(body, WRITABLE)
    async with db.transaction():
        if "slug" in body:
            current = await ROWS.get(db, id_, _LOCKED_WITH_SLUG, slug=body["slug"], not_id=id_)
        else:
            current = await ROWS.get(db, id_, ROWS.locked)
        rules = _rules({**current._mapping, **wanted})
        if "slug" in body and current.slug_taken:
            rules.fail("slug", SLUG_TAKEN)
        rules.check()
        async with violation_is_422("slug", SLUG_TAKEN):
            return serialize(await ROWS.write(db, current, wanted))


async def delete_event_type(db: TeamConnection, id_: int) -> None:
    in_use = "The event type is still used by events or workflows; deactivate it instead."
    await ROWS.remove(db, id_, in_use)


def _rules(row: Mapping[str, Any]) -> Rules:
    """Rules the schema cannot say, on the row as it would be saved (not raised yet)."""
    rules = Rules()
    if row.get("kind") == "group" and row.get("max_attendees") is None:
        rules.fail("max_attendees", "The max attendees field is required when kind is group.")
    if row.get("kind") != "group" and row.get("max_attendees") is not None:
        rules.fail("max_attendees", "The max attendees field is prohibited unless kind is group.")
    return rules
