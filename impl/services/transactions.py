"""Transactions: payments and refunds, read-only through the API.

They are written only by `services.invoices` (`record_transaction`), in the same database
transaction as the invoice status change that moves the money. For the seed command: move an
invoice with `invoices.update_invoice(session, invoice_id, {"status": "paid", "payment": {...}})`
and its transaction is recorded; there is no other way to create one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.invoicing import Movement
from ..listing import Listing, ListQuery
from ..models.base import utcnow
from ..models.billing import Invoice, Transaction
from .common import get_or_404, iso

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


def serialize(row: Transaction) -> dict[str, Any]:
    return {
        "id": row.id,
        "type": row.type,
        "status": row.status,
        "provider": row.provider,
        "amount": row.amount,
        "fee": row.fee,
        "currency": row.currency,
        "invoice_id": row.invoice_id,
        "client_id": row.client_id,
        "description": row.description,
        "provider_reference": row.provider_reference,
        "processed_at": iso(row.processed_at),
        "created_at": iso(row.created_at),
    }


LISTING = Listing(select(Transaction), LIST_FIELDS, serialize)


def list_transactions(session: Session, query: ListQuery) -> dict[str, Any]:
    return LISTING.page(session, query)


def get_transaction(session: Session, transaction_id: int) -> dict[str, Any]:
    return serialize(get_or_404(session, Transaction, transaction_id))


def record_transaction(session: Session, invoice: Invoice, movement: Movement) -> Transaction:
    """Record the money a status change of `invoice` moved (flushed with the invoice)."""
    now = utcnow()
    row = Transaction(
        type=movement.type,
        status=SUCCEEDED,
        provider=movement.provider,
        amount=movement.amount,
        fee=movement.fee,
        currency=invoice.currency,
        invoice_id=invoice.id,
        client_id=invoice.client_id,
        description=DESCRIPTIONS[movement.type].format(number=invoice.number),
        provider_reference=movement.provider_reference,
        processed_at=now,
        created_at=now,
    )
    session.add(row)
    return row


def last_payment_provider(session: Session, invoice_id: int) -> str | None:
    """How the invoice was last paid: a refund goes back the same way."""
    query = (
        select(Transaction.provider)
        .where(Transaction.invoice_id == invoice_id, Transaction.type == "payment")
        .order_by(Transaction.processed_at.desc(), Transaction.id.desc())
        .limit(1)
    )
    return session.scalar(query)
