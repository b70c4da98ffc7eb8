"""Tax rules. Rates are exact decimals, answered with two decimals (`"20.00"`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..data.db import TeamConnection
from ..data.listing import Listing, ListQuery
from ..data.models.resources import Tax
from .common import Rows, present, row_serializer, wire_columns

WRITABLE = ("name", "rate", "inclusive", "is_default", "is_active")

LIST_FIELDS = {
    "id": Tax.id,
    "name": Tax.name,
    "inclusive": Tax.inclusive,
    "is_active": Tax.is_active,
}

COLUMNS = wire_columns(Tax, ("id", *WRITABLE, "created_at", "updated_at"))
ROWS = Rows(Tax, COLUMNS)
_answered = row_serializer(COLUMNS)


def serialize(row: Any) -> dict[str, Any]:
    answer = _answered(row)
    answer["rate"] = format_rate(answer["rate"])
    return answer


def format_rate(rate: Decimal | str) -> str:
    """A rate as the contract writes it: exactly two decimals (`"20.00"`)."""
    return f"{Decimal(rate).quantize(Decimal('0.01'))}"


LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize)


async def list_taxes(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_tax(db: TeamConnection, id_: int) -> dict[str, Any]:
    return serialize(await ROWS.get(db, id_))


async def create_tax(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    return serialize(await ROWS.create(db, _values(body)))


async def update_tax(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    async with db.transaction():
        current = await ROWS.get(db, id_, ROWS.locked)
        return serialize(await ROWS.write(db, current, _values(body)))


async def delete_tax(db: TeamConnection, id_: int) -> None:
    await ROWS.remove(db, id_, "The tax is still referenced.")


def _values(body: dict[str, Any]) -> dict[str, Any]:
    values = present(body, WRITABLE)
    if "rate" in values:
        values["rate"] = Decimal(values["rate"])
    return values
