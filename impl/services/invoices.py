"""Invoices: numbering, exact amounts with tax snapshots, and status changes that record
their payment or refund transaction in the same database transaction.

The arithmetic and the status graph are `domain.invoicing`; this module reads and writes the
rows. Numbers are the team's prefix and a six-digit per-team sequence, taken with one
`UPDATE ... RETURNING` on `invoice_sequences` (a row lock on PostgreSQL, the write lock on
SQLite), so concurrent creates never share a number.

For the seed command (and any caller with a team session):

- `create_invoice(session, body)` with an `InvoiceCreate` body, e.g. ``{"client_id": 17,
  "items": [{"description": "Session", "quantity": 2, "unit_amount": 6500, "tax_ids": [1]}],
  "status": "sent"}`` (lines without `tax_ids` get the team's active default taxes);
- `update_invoice(session, invoice_id, body)` moves it: ``{"status": "partially_paid",
  "payment": {"amount": 5000, "provider": "stripe"}}``, ``{"status": "paid"}`` (pays the
  rest), ``{"status": "refunded"}``, ``{"status": "cancelled"}``; each payment or refund is
  recorded as a transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..domain.invoicing import (
    AppliedTax,
    LineTotals,
    TaxRule,
    invoice_totals,
    line_totals,
    plan_status_change,
)
from ..errors import NotFound, ValidationFailed
from ..listing import Listing, ListQuery
from ..models.base import utcnow
from ..models.billing import Invoice, InvoiceItem, InvoiceItemTax, InvoiceSequence
from ..models.bookings import Event
from ..models.resources import Client, Tax
from . import transactions
from .common import Rules, current_team, get_or_404, iso, team_id_of
from .taxes import default_taxes, format_rate, taxes_by_id

DRAFT = "draft"
FINAL = frozenset({"cancelled", "refunded"})
DRAFT_ONLY = ("client_id", "event_id", "currency", "issue_date", "items", "discount")
UNTIL_FINAL = ("due_date", "notes", "terms")

LIST_FIELDS = {
    "id": Invoice.id,
    "number": Invoice.number,
    "notes": Invoice.notes,
    "status": Invoice.status,
    "issue_date": Invoice.issue_date,
    "client_id": Invoice.client_id,
    "event_id": Invoice.event_id,
}

REFERENCES = (("client_id", Client, "client"), ("event_id", Event, "event"))


def serialize(row: Invoice) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "client_id": row.client_id,
        "event_id": row.event_id,
        "status": row.status,
        "currency": row.currency,
        "issue_date": row.issue_date.isoformat(),
        "due_date": row.due_date.isoformat() if row.due_date else None,
        "items": [
            {
                "id": item.id,
                "description": item.description,
                "quantity": item.quantity,
                "unit_amount": item.unit_amount,
                "amount": item.amount,
                "taxes": [
                    {
                        "tax_id": tax.tax_id,
                        "name": tax.name,
                        "rate": format_rate(tax.rate),
                        "inclusive": tax.inclusive,
                        "amount": tax.amount,
                    }
                    for tax in item.taxes
                ],
            }
            for item in row.items
        ],
        "discount": row.discount,
        "subtotal": row.subtotal,
        "tax_total": row.tax_total,
        "total": row.total,
        "amount_paid": row.amount_paid,
        "amount_due": row.amount_due,
        "notes": row.notes,
        "terms": row.terms,
        "paid_at": iso(row.paid_at),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


LISTING = Listing(select(Invoice), LIST_FIELDS, serialize)


def list_invoices(session: Session, query: ListQuery) -> dict[str, Any]:
    return LISTING.page(session, query)


def get_invoice(session: Session, invoice_id: int) -> dict[str, Any]:
    return serialize(get_or_404(session, Invoice, invoice_id))


def create_invoice(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """Create a numbered invoice with its lines priced and its taxes copied onto them."""
    rules = Rules()
    team = current_team(session)
    _check_references(session, rules, body)
    issue_date = _date(body.get("issue_date")) or datetime.now(ZoneInfo(team.timezone)).date()
    _check_due_date(rules, issue_date, _date(body.get("due_date")))
    priced = _price_items(session, rules, body["items"])
    discount = body.get("discount", 0)
    _check_discount(rules, _lines(priced), discount)
    rules.check()

    sequence = next_invoice_sequence(session)
    row = Invoice(
        sequence=sequence,
        number=f"{team.invoice_prefix}{sequence:06d}",
        client_id=body["client_id"],
        event_id=body.get("event_id"),
        status=body.get("status", DRAFT),
        currency=body.get("currency", team.currency),
        issue_date=issue_date,
        due_date=_date(body.get("due_date")),
        discount=discount,
        notes=body.get("notes"),
        terms=body.get("terms"),
        items=_item_rows(priced),
    )
    _store_totals(row, _lines(priced) or [])
    session.add(row)
    session.flush()
    return serialize(row)


def update_invoice(session: Session, invoice_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Partial update; draft-only fields, allowed transitions, and the money they move."""
    row = session.get(Invoice, invoice_id, with_for_update=True)
    if row is None:
        raise NotFound(f"No invoice with id {invoice_id}.")
    rules = Rules()
    current = row.status
    for field in DRAFT_ONLY:
        if field in body and current != DRAFT:
            rules.fail(field, f"The {field} field can only change while the invoice is a draft.")
    for field in UNTIL_FINAL:
        if field in body and current in FINAL:
            rules.fail(field, f"The {field} field cannot change once the invoice is {current}.")

    _check_references(session, rules, body)
    issue_date = _date(body["issue_date"]) if "issue_date" in body else row.issue_date
    due_date = _date(body["due_date"]) if "due_date" in body else row.due_date
    _check_due_date(rules, issue_date, due_date)
    priced = _price_items(session, rules, body["items"]) if "items" in body else None
    lines = _lines(priced) if "items" in body else _stored_lines(row.items)
    discount = body.get("discount", row.discount)
    _check_discount(rules, lines, discount)
    priced_lines = lines if lines is not None else _stored_lines(row.items)
    due_now = invoice_totals(priced_lines, discount, row.amount_paid, current).amount_due
    change, status_errors = plan_status_change(
        current,
        body.get("status"),
        body.get("payment"),
        row.amount_paid,
        due_now,
        transactions.last_payment_provider(session, row.id) or "cash",
    )
    for field, messages in status_errors.items():
        for message in messages:
            rules.fail(field, message)
    rules.check()

    with session.no_autoflush:
        for field in ("client_id", "event_id", "currency", "discount", "notes", "terms"):
            if field in body:
                setattr(row, field, body[field])
        row.issue_date = issue_date
        row.due_date = due_date
        if priced is not None:
            row.items = _item_rows(priced)
        if change is not None:
            row.status = change.status
            row.amount_paid = change.amount_paid
            if change.status == "paid":
                row.paid_at = utcnow()
        _store_totals(row, priced_lines)
        if change is not None and change.movement is not None:
            transactions.record_transaction(session, row, change.movement)
    try:
        session.flush()
    except StaleDataError as exc:
        message = "The invoice was changed by another request at the same time; try again."
        raise ValidationFailed({"status": [message]}) from exc
    return serialize(row)


def next_invoice_sequence(session: Session) -> int:
    """The team's next invoice sequence number, taken atomically (no two creates share one).

    `UPDATE ... RETURNING` locks the team's counter row until the transaction ends, on
    PostgreSQL (row lock) and SQLite (database write lock) alike; the first invoice of a
    team creates the row with an `INSERT ... ON CONFLICT DO NOTHING` that races safely.
    """
    team_id = team_id_of(session)
    bump = (
        update(InvoiceSequence)
        .where(InvoiceSequence.team_id == team_id)
        .values(last_value=InvoiceSequence.last_value + 1)
        .returning(InvoiceSequence.last_value)
        .execution_options(synchronize_session=False)
    )
    value = session.execute(bump).scalar_one_or_none()
    if value is not None:
        return value
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(InvoiceSequence)
        .values(team_id=team_id, last_value=0)
        .on_conflict_do_nothing(index_elements=["team_id"])
    )
    return session.execute(bump).scalar_one()


def _lines(priced: list[tuple[dict[str, Any], LineTotals]] | None) -> list[LineTotals] | None:
    return None if priced is None else [line for _, line in priced]


def _date(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _check_references(session: Session, rules: Rules, body: dict[str, Any]) -> None:
    for field, model, label in REFERENCES:
        if body.get(field) is not None and session.get(model, body[field]) is None:
            rules.fail(field, f"The selected {label} id is invalid.")


def _check_due_date(rules: Rules, issue_date: date, due_date: date | None) -> None:
    if due_date is not None and due_date < issue_date:
        rules.fail("due_date", "The due_date field must be a date after or equal to issue_date.")


def _check_discount(rules: Rules, lines: Sequence[LineTotals] | None, discount: int) -> None:
    if lines is None:
        return  # the lines themselves failed; their errors say why
    totals = invoice_totals(lines, 0, 0)
    if discount > totals.subtotal + totals.tax_total:
        limit = totals.subtotal + totals.tax_total
        rules.fail("discount", f"The discount field must not be greater than {limit}.")


def _price_items(
    session: Session, rules: Rules, items: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], LineTotals]] | None:
    """Each input line with its computed amounts, or None when a line's taxes are invalid."""
    wanted = {tax_id for item in items for tax_id in item.get("tax_ids") or ()}
    known = taxes_by_id(session, wanted)
    defaults: list[Tax] | None = None
    priced: list[tuple[dict[str, Any], LineTotals]] = []
    valid = True
    for index, item in enumerate(items):
        if "tax_ids" in item:
            applied = []
            for position, tax_id in enumerate(item["tax_ids"]):
                tax = known.get(tax_id)
                if tax is None or not tax.is_active:
                    key = f"items.{index}.tax_ids.{position}"
                    rules.fail(key, f"The selected {key} is invalid (not an active tax).")
                    valid = False
                else:
                    applied.append(tax)
        else:
            if defaults is None:
                defaults = default_taxes(session)
            applied = defaults
        rates = [TaxRule(tax.name, tax.rate, tax.inclusive, tax.id) for tax in applied]
        line = line_totals(item["quantity"], item["unit_amount"], rates)
        if line.inclusive_tax_amount > line.amount:
            rules.fail(f"items.{index}.tax_ids", "The inclusive taxes exceed the line amount.")
            valid = False
        priced.append((item, line))
    return priced if valid else None


def _item_rows(priced: list[tuple[dict[str, Any], LineTotals]] | None) -> list[InvoiceItem]:
    return [
        InvoiceItem(
            position=position,
            description=item["description"],
            quantity=item["quantity"],
            unit_amount=item["unit_amount"],
            amount=line.amount,
            taxes=[
                InvoiceItemTax(
                    position=tax_position,
                    tax_id=tax.tax_id,
                    name=tax.name,
                    rate=tax.rate,
                    inclusive=tax.inclusive,
                    amount=tax.amount,
                )
                for tax_position, tax in enumerate(line.taxes)
            ],
        )
        for position, (item, line) in enumerate(priced or ())
    ]


def _stored_lines(items: Sequence[InvoiceItem]) -> list[LineTotals]:
    """The lines as they were priced: the snapshot, never recomputed from today's taxes."""
    return [
        LineTotals(
            amount=item.amount,
            taxes=tuple(
                AppliedTax(tax.tax_id, tax.name, tax.rate, tax.inclusive, tax.amount)
                for tax in item.taxes
            ),
        )
        for item in items
    ]


def _store_totals(row: Invoice, lines: Sequence[LineTotals]) -> None:
    totals = invoice_totals(lines, row.discount, row.amount_paid or 0, row.status)
    row.subtotal = totals.subtotal
    row.tax_total = totals.tax_total
    row.total = totals.total
    row.amount_paid = totals.amount_paid
    row.amount_due = totals.amount_due
