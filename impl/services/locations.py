"""Locations: where events take place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..listing import Listing, ListQuery
from ..models.resources import Location
from .common import Rules, assign, current_team, delete_row, get_or_404, iso

WRITABLE = ("name", "kind", "address", "phone", "url", "timezone", "is_active")

LIST_FIELDS = {
    "id": Location.id,
    "name": Location.name,
    "phone": Location.phone,
    "kind": Location.kind,
    "is_active": Location.is_active,
}


def serialize(row: Location) -> dict[str, Any]:
    return {
        "id": row.id,
        **{name: getattr(row, name) for name in WRITABLE},
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


LISTING = Listing(select(Location), LIST_FIELDS, serialize)


def list_locations(session: Session, query: ListQuery) -> dict[str, Any]:
    return LISTING.page(session, query)


def get_location(session: Session, id_: int) -> dict[str, Any]:
    return serialize(get_or_404(session, Location, id_))


def create_location(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    row = Location(timezone=current_team(session).timezone)
    assign(row, body, WRITABLE)
    session.add(row)
    session.flush()
    return serialize(row)


def update_location(session: Session, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    row = get_or_404(session, Location, id_)
    _check(body)
    assign(row, body, WRITABLE)
    session.flush()
    return serialize(row)


def delete_location(session: Session, id_: int) -> None:
    row = get_or_404(session, Location, id_)
    delete_row(session, row, "The location is still used by events; deactivate it instead.")


def _check(body: dict[str, Any]) -> None:
    rules = Rules()
    rules.timezone("timezone", body.get("timezone"))
    rules.check()
