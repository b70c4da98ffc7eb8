"""Tax rules. Rates are exact decimals, answered with two decimals (`"20.00"`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from ..db import TeamConnection
from ..listing import Listing, ListQuery
from ..models.resources import Tax
from .common import (
    changes,
    found,
    missing,
    present,
    row_serializer,
    violation_is_422,
    wire_columns,
)

WRITABLE = ("name", "rate", "inclusive", "is_default", "is_active")

LIST_FIELDS = {
    "id": Tax.id,
    "name": Tax.name,
    "inclusive": Tax.inclusive,
    "is_active": Tax.is_active,
}

COLUMNS = wire_columns(Tax, ("id", *WRITABLE, "created_at", "updated_at"))
_answered = row_serializer(COLUMNS)


def serialize(row: Any) -> dict[str, Any]:
    answer = _answered(row)
    answer["rate"] = format_rate(answer["rate"])
    return answer


def format_rate(rate: Decimal | str) -> str:
    """A rate as the contract writes it: exactly two decimals (`"20.00"`)."""
    return f"{Decimal(rate).quantize(Decimal('0.01'))}"


_BY_ID = select(*COLUMNS).where(Tax.id == bindparam("id"))
_LOCKED = _BY_ID.with_for_update(of=Tax)
_INSERT = insert(Tax).returning(*COLUMNS)
_UPDATE = update(Tax).where(Tax.id == bindparam("tax_id")).returning(*COLUMNS)
_DELETE = delete(Tax).where(Tax.id == bindparam("id")).returning(Tax.id)

LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize)


async def list_taxes(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_tax(db: TeamConnection, id_: int) -> dict[str, Any]:
    return serialize(found(await db.first(_BY_ID, {"id": id_}), Tax, id_))


async def create_tax(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    return serialize(await db.first(_INSERT, _values(body)))


async def update_tax(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    async with db.transaction():
        current = found(await db.first(_LOCKED, {"id": id_}), Tax, id_)
        changed = changes(current._mapping, _values(body))
        if not changed:
            return serialize(current)
        return serialize(await db.first(_UPDATE, {"tax_id": id_, **changed}))


async def delete_tax(db: TeamConnection, id_: int) -> None:
    async with violation_is_422("id", "The tax is still referenced."):
        if await db.first(_DELETE, {"id": id_}) is None:
            raise missing(Tax, id_)


def _values(body: dict[str, Any]) -> dict[str, Any]:
    values = present(body, WRITABLE)
    if "rate" in values:
        values["rate"] = Decimal(values["rate"])
    return values
