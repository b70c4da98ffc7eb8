"""Event types: bookable services, with a slug unique within the team."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..listing import Listing, ListQuery
from ..models.resources import EventType
from .common import Rules, assign, current_team, delete_row, flush_unique, get_or_404, iso

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


def serialize(row: EventType) -> dict[str, Any]:
    return {
        "id": row.id,
        **{name: getattr(row, name) for name in WRITABLE},
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


LISTING = Listing(select(EventType), LIST_FIELDS, serialize)


def list_event_types(session: Session, query: ListQuery) -> dict[str, Any]:
    return LISTING.page(session, query)


def get_event_type(session: Session, id_: int) -> dict[str, Any]:
    return serialize(get_or_404(session, EventType, id_))


def create_event_type(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    row = EventType(currency=current_team(session).currency)
    assign(row, body, WRITABLE)
    _check(session, row)
    session.add(row)
    flush_unique(session, "slug", SLUG_TAKEN)
    return serialize(row)


def update_event_type(session: Session, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    row = get_or_404(session, EventType, id_)
    with session.no_autoflush:
        assign(row, body, WRITABLE)
        _check(session, row)
    flush_unique(session, "slug", SLUG_TAKEN)
    return serialize(row)


def delete_event_type(session: Session, id_: int) -> None:
    row = get_or_404(session, EventType, id_)
    delete_row(
        session,
        row,
        "The event type is still used by events or workflows; deactivate it instead.",
    )


def _check(session: Session, row: EventType) -> None:
    """Rules the schema cannot say, on the row as it would be saved."""
    rules = Rules()
    if row.kind == "group" and row.max_attendees is None:
        rules.fail("max_attendees", "The max attendees field is required when kind is group.")
    if row.kind != "group" and row.max_attendees is not None:
        rules.fail("max_attendees", "The max attendees field is prohibited unless kind is group.")
    clash = select(EventType.id).where(EventType.slug == row.slug)
    if row.id is not None:
        clash = clash.where(EventType.id != row.id)
    if session.scalar(clash) is not None:
        rules.fail("slug", SLUG_TAKEN)
    rules.check()
