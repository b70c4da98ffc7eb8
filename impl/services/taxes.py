"""Tax rules. Rates are exact decimals; invoices read taxes by id with `taxes_by_id`."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..listing import Listing, ListQuery
from ..models.resources import Tax
from .common import assign, delete_row, get_or_404, iso

WRITABLE = ("name", "inclusive", "is_default", "is_active")

LIST_FIELDS = {
    "id": Tax.id,
    "name": Tax.name,
    "inclusive": Tax.inclusive,
    "is_active": Tax.is_active,
}


def serialize(row: Tax) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "rate": format_rate(row.rate),
        "inclusive": row.inclusive,
        "is_default": row.is_default,
        "is_active": row.is_active,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def format_rate(rate: Decimal) -> str:
    """A rate as the contract writes it: exactly two decimals (`"20.00"`)."""
    return f"{rate.quantize(Decimal('0.01'))}"


LISTING = Listing(select(Tax), LIST_FIELDS, serialize)


def list_taxes(session: Session, query: ListQuery) -> dict[str, Any]:
    return LISTING.page(session, query)


def get_tax(session: Session, id_: int) -> dict[str, Any]:
    return serialize(get_or_404(session, Tax, id_))


def create_tax(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    row = Tax(rate=Decimal(body["rate"]))
    assign(row, body, WRITABLE)
    session.add(row)
    session.flush()
    return serialize(row)


def update_tax(session: Session, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    row = get_or_404(session, Tax, id_)
    if "rate" in body:
        row.rate = Decimal(body["rate"])
    assign(row, body, WRITABLE)
    session.flush()
    return serialize(row)


def delete_tax(session: Session, id_: int) -> None:
    row = get_or_404(session, Tax, id_)
    delete_row(session, row, "The tax is still referenced.")


def taxes_by_id(session: Session, ids: Iterable[int]) -> dict[int, Tax]:
    """The team's taxes with these ids (ids of other teams are simply absent)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {tax.id: tax for tax in session.scalars(select(Tax).where(Tax.id.in_(wanted)))}


def default_taxes(session: Session) -> list[Tax]:
    """The team's active default taxes, for invoice lines that list none."""
    query = select(Tax).where(Tax.is_default.is_(True), Tax.is_active.is_(True)).order_by(Tax.id)
    return list(session.scalars(query))
