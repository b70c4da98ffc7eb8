"""Transactions: payments and refunds, read-only through the API.

They are written only by `services.invoices` (`record_transaction`), in the same database
transaction as the invoice status change that moves the money. For the seed command: move an
invoice with `invoices.update_invoice(db, invoice_id, {"status": "paid", "payment": {...}})`
and its transaction is recorded; there is no other way to create one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from ..data.db import TeamConnection
from ..data.listing import Listing, ListQuery
from ..data.models.base import utcnow
from ..data.models.billing import Transaction
from ..domain.invoicing import Movement
from .common import Rows, row_serializer, wire_columns

SUCCEEDED = "succeeded"

LIST_FIELDS = {
    "id": Transaction.id,
    "processed_at": Transaction.processed_at,
    "type": Transaction.type,
    "status": Transaction.status,
    "provider": Transaction.provider,
    "invoice_id": Transaction.invoice_id,
    "client_id": Transaction.client_id,
    "description": Transaction.description,
    "provider_reference": Transaction.provider_reference,
}

DESCRIPTIONS = {"payment": "Payment for {number}", "refund": "Refund for {number}"}

COLUMNS = wire_columns(
    Transaction,
    (
        "id",
        "type",
        "status",
        "provider",
        "amount",
        "fee",
        "currency",
        "invoice_id",
        "client_id",
        "description",
        "provider_reference",
        "processed_at",
        "created_at",
    ),
)
serialize = row_serializer(COLUMNS)

ROWS = Rows(Transaction, COLUMNS)
_INSERT = insert(Transaction)

LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize)


async def list_transactions(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_transaction(db: TeamConnection, transaction_id: int) -> dict[str, Any]:
    return serialize(await ROWS.get(db, transaction_id))


async def record_transaction(
    db: TeamConnection,
    *,
    invoice_id: int,
    client_id: int,
    currency: str,
    number: str,
    movement: Movement,
) -> None:
    """Record the money a status change of invoice `number` moved (in its transaction)."""
    now = utcnow()
    await db.execute(
        _INSERT,
        {
            "type": movement.type,
            "status": SUCCEEDED,
            "provider": movement.provider,
            "amount": movement.amount,
            "fee": movement.fee,
            "currency": currency,
            "invoice_id": invoice_id,
            "client_id": client_id,
            "description": DESCRIPTIONS[movement.type].format(number=number),
            "provider_reference": movement.provider_reference,
            "processed_at": now,
            "created_at": now,
        },
    )
