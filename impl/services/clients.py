"""Clients: the people who book with the team."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..listing import Contains, Listing, ListQuery
from ..models.resources import Client, ClientTag
from .common import Rules, assign, current_team, delete_row, get_or_404, iso

WRITABLE = ("name", "email", "phone", "timezone", "notes", "tags", "address")

LIST_FIELDS = {
    "id": Client.id,
    "name": Client.name,
    "email": Client.email,
    "phone": Client.phone,
    "tags": Contains(ClientTag.tag, ClientTag.client_id, Client.id),
}


def serialize(row: Client) -> dict[str, Any]:
    return {
        "id": row.id,
        **{name: getattr(row, name) for name in WRITABLE},
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


LISTING = Listing(select(Client), LIST_FIELDS, serialize)


def list_clients(session: Session, query: ListQuery) -> dict[str, Any]:
    return LISTING.page(session, query)


def get_client(session: Session, id_: int) -> dict[str, Any]:
    return serialize(get_or_404(session, Client, id_))


def create_client(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    row = Client(timezone=current_team(session).timezone, tags=[])
    assign(row, body, WRITABLE)
    session.add(row)
    session.flush()
    return serialize(row)


def update_client(session: Session, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    row = get_or_404(session, Client, id_)
    _check(body)
    if "tags" in body:
        row.tag_rows.clear()
        session.flush()  # old tag rows go before new ones take their (client, tag) keys
    assign(row, body, WRITABLE)
    session.flush()
    return serialize(row)


def delete_client(session: Session, id_: int) -> None:
    row = get_or_404(session, Client, id_)
    delete_row(session, row, "The client is still referenced by events or invoices.")


def _check(body: dict[str, Any]) -> None:
    rules = Rules()
    rules.timezone("timezone", body.get("timezone"))
    rules.check()
