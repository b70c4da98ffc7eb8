"""Invoices: numbering, exact amounts with tax snapshots, and status changes that record
their payment or refund transaction in the same database transaction.

The arithmetic and the status graph are `domain.invoicing`; this module reads and writes the
rows. An invoice is read in one statement, its lines and their taxes as JSON in its row.
Numbers are the team's prefix and a six-digit per-team sequence, taken with one upsert on
`invoice_sequences` (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`: a row lock on
PostgreSQL, the write lock on SQLite), so concurrent creates never share a number. An update
locks the invoice's row first (`FOR UPDATE`; SQLite's `BEGIN IMMEDIATE`), so concurrent
status changes queue and a payment is recorded once.

For the seed command (and any caller with a `TeamConnection`):

- `create_invoice(db, body)` with an `InvoiceCreate` body, e.g. ``{"client_id": 17,
  "items": [{"description": "Session", "quantity": 2, "unit_amount": 6500, "tax_ids": [1]}],
  "status": "sent"}`` (lines without `tax_ids` get the team's active default taxes);
- `update_invoice(db, invoice_id, body)` moves it: ``{"status": "partially_paid",
  "payment": {"amount": 5000, "provider": "stripe"}}``, ``{"status": "paid"}`` (pays the
  rest), ``{"status": "refunded"}``, ``{"status": "cancelled"}``; each payment or refund is
  recorded as a transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import Label

from ..data.db import TEAM_PARAM, TeamConnection
from ..data.json_sql import json_array, json_object
from ..data.listing import Listing, ListQuery
from ..data.models.base import UTCDateTime, utcnow
from ..data.models.billing import Invoice, InvoiceItem, InvoiceItemTax, InvoiceSequence, Transaction
from ..data.models.bookings import Event
from ..data.models.resources import Client, Tax
from ..domain.invoicing import (
    AppliedTax,
    LineTotals,
    Movement,
    TaxRule,
    invoice_totals,
    line_totals,
    plan_status_change,
)
from . import transactions
from .common import Rules, found, row_serializer, wire_columns
from .taxes import format_rate

DRAFT = "draft"
# A line carries at most this many taxes (the document's `InvoiceItem.taxes` maxItems), also
# when it takes the team's default taxes.
MAX_LINE_TAXES = 5
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
TOTALS = ("subtotal", "tax_total", "total", "amount_paid", "amount_due")

HEAD = ("id", "number", "client_id", "event_id", "status", "currency", "issue_date", "due_date")
TAIL = ("discount", *TOTALS, "notes", "terms", "paid_at", "created_at", "updated_at")
COLUMNS = wire_columns(Invoice, (*HEAD, *TAIL))
_TAX_FIELDS = ("tax_id", "name", "rate", "inclusive", "amount")
ITEMS = json_array(
    json_object(
        id=InvoiceItem.id,
        description=InvoiceItem.description,
        quantity=InvoiceItem.quantity,
        unit_amount=InvoiceItem.unit_amount,
        amount=InvoiceItem.amount,
        taxes=json_array(
            json_object(
                tax_id=InvoiceItemTax.tax_id,
                name=InvoiceItemTax.name,
                rate=cast(InvoiceItemTax.rate, String),
                inclusive=InvoiceItemTax.inclusive,
                amount=InvoiceItemTax.amount,
            ),
            source=InvoiceItemTax.__table__,
            where=InvoiceItemTax.item_id == InvoiceItem.id,
            order_by=[InvoiceItemTax.position],
        ),
    ),
    source=InvoiceItem.__table__,
    where=InvoiceItem.invoice_id == Invoice.id,
    order_by=[InvoiceItem.position],
).label("items")
_stored = row_serializer((*COLUMNS, ITEMS))


def serialize(row: Any, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An invoice as answered, from a row of `COLUMNS` and `ITEMS` (or `items` given apart)."""
    stored = _stored(row)
    answer = {key: stored[key] for key in HEAD}
    answer["issue_date"] = stored["issue_date"].isoformat()
    answer["due_date"] = stored["due_date"].isoformat() if stored["due_date"] else None
    answer["items"] = [_item(line) for line in (items if items is not None else stored["items"])]
    answer.update((key, stored[key]) for key in TAIL)
    return answer


def _item(line: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": line["id"],
        "description": line["description"],
        "quantity": line["quantity"],
        "unit_amount": line["unit_amount"],
        "amount": line["amount"],
        "taxes": [
            {
                "tax_id": tax["tax_id"],
                "name": tax["name"],
                "rate": format_rate(tax["rate"]),
                "inclusive": bool(tax["inclusive"]),  # SQLite's JSON writes 0/1
                "amount": tax["amount"],
            }
            for tax in line["taxes"]
        ],
    }


LISTING = Listing(select(*COLUMNS, ITEMS), LIST_FIELDS, serialize)

_BY_ID = select(*COLUMNS, ITEMS).where(Invoice.id == bindparam("invoice_id"))
_INSERT = insert(Invoice).returning(*COLUMNS)
# RETURNING order is not guaranteed for a multi-row INSERT; each line's position tells
# which id is whose (asking SQLAlchemy to sort would cost a statement per line on SQLite)
_INSERT_ITEMS = insert(InvoiceItem).returning(InvoiceItem.position, InvoiceItem.id)
_INSERT_ITEM_TAXES = insert(InvoiceItemTax)
_CLEAR_ITEMS = delete(InvoiceItem).where(InvoiceItem.invoice_id == bindparam("invoice_id"))
_UPDATE = (
    update(Invoice)
    .where(Invoice.id == bindparam("invoice_id"))
    .values(version=Invoice.version + 1)
    .returning(*COLUMNS)
)


async def list_invoices(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_invoice(db: TeamConnection, invoice_id: int) -> dict[str, Any]:
    return serialize(found(await db.first(_BY_ID, {"invoice_id": invoice_id}), Invoice, invoice_id))


async def create_invoice(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    """Create a numbered invoice with its lines priced and its taxes copied onto them.

    One read (the client, event and taxes it names, the team's default taxes), then one
    transaction: the number, the invoice, its lines, their taxes."""
    statement, params = _lookups(body, None)
    found_refs = await db.first(statement, params)
    rules = Rules()
    _check_references(rules, body, found_refs)
    team = db.team
    issue_date = _date(body.get("issue_date")) or datetime.now(ZoneInfo(team.timezone)).date()
    due_date = _date(body.get("due_date"))
    _check_due_date(rules, issue_date, due_date)
    priced = _price_items(rules, body["items"], found_refs.taxes)
    discount = body.get("discount", 0)
    lines = _lines(priced)
    _check_discount(rules, lines, discount)
    rules.check()
    status = body.get("status", DRAFT)
    totals = invoice_totals(lines or [], discount, 0, status)
    values = {
        "version": 1,
        "client_id": body["client_id"],
        "event_id": body.get("event_id"),
        "status": status,
        "currency": body.get("currency", team.currency),
        "issue_date": issue_date,
        "due_date": due_date,
        "discount": discount,
        "notes": body.get("notes"),
        "terms": body.get("terms"),
        **{key: getattr(totals, key) for key in TOTALS},
    }
    async with db.transaction():
        if db.dialect == "postgresql":
            # numbered last: the team's counter stays locked for one statement, not four
            row = await db.first(_INSERT, {**values, "sequence": 0, "number": ""})
            items = await _insert_items(db, row.id, priced or [])
            params = {"invoice_id": row.id, "prefix": team.invoice_prefix, "now": utcnow()}
            row = await db.first(_NUMBER_LAST, params)
        else:  # SQLite's writers hold the database's lock for the whole transaction anyway
            sequence = await db.scalar(_next_sequence(db.dialect))
            number = f"{team.invoice_prefix}{sequence:06d}"
            row = await db.first(_INSERT, {**values, "sequence": sequence, "number": number})
            items = await _insert_items(db, row.id, priced or [])
    return serialize(row, items)


async def update_invoice(
    db: TeamConnection, invoice_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """Partial update; draft-only fields, allowed transitions, and the money they move."""
    statement, params = _lookups(body, invoice_id)
    async with db.transaction():
        current = found(await db.first(statement, params), Invoice, invoice_id)
        rules = Rules()
        status = current.status
        for field in DRAFT_ONLY:
            if field in body and status != DRAFT:
                rules.fail(
                    field, f"The {field} field can only change while the invoice is a draft."
                )
        for field in UNTIL_FINAL:
            if field in body and status in FINAL:
                rules.fail(field, f"The {field} field cannot change once the invoice is {status}.")

        _check_references(rules, body, current)
        issue_date = _date(body["issue_date"]) if "issue_date" in body else current.issue_date
        due_date = _date(body["due_date"]) if "due_date" in body else current.due_date
        _check_due_date(rules, issue_date, due_date)
        priced = _price_items(rules, body["items"], current.taxes) if "items" in body else None
        lines = _lines(priced) if "items" in body else _stored_lines(current.items)
        discount = body.get("discount", current.discount)
        _check_discount(rules, lines, discount)
        priced_lines = lines if lines is not None else _stored_lines(current.items)
        due_now = invoice_totals(priced_lines, discount, current.amount_paid, status).amount_due
        change, status_errors = plan_status_change(
            status,
            body.get("status"),
            body.get("payment"),
            current.amount_paid,
            due_now,
            current.last_provider or "cash",
        )
        for field, messages in status_errors.items():
            for message in messages:
                rules.fail(field, message)
        rules.check()

        values = {
            field: body[field]
            for field in ("client_id", "event_id", "currency", "discount", "notes", "terms")
            if field in body
        }
        values.update(issue_date=issue_date, due_date=due_date)
        new_status, amount_paid = status, current.amount_paid
        if change is not None:
            new_status, amount_paid = change.status, change.amount_paid
            values["status"] = new_status
            if new_status == "paid":
                values["paid_at"] = utcnow()
        totals = invoice_totals(priced_lines, discount, amount_paid, new_status)
        values.update((key, getattr(totals, key)) for key in TOTALS)
        row = await db.first(_UPDATE, {"invoice_id": invoice_id, **values})
        items = None
        if priced is not None:
            await db.execute(_CLEAR_ITEMS, {"invoice_id": invoice_id})  # their taxes cascade
            items = await _insert_items(db, invoice_id, priced)
        if change is not None and change.movement is not None:
            await _record(db, row, change.movement)
    return serialize(row, items if items is not None else current.items)


async def _record(db: TeamConnection, invoice: Any, movement: Movement) -> None:
    await transactions.record_transaction(
        db,
        invoice_id=invoice.id,
        client_id=invoice.client_id,
        currency=invoice.currency,
        number=invoice.number,
        movement=movement,
    )


def _next_sequence(dialect: str) -> Any:
    """The team's next invoice number, taken atomically in one statement: the first invoice
    of a team creates the counter, every later one bumps it (holding its lock until the
    transaction ends)."""
    if dialect not in _SEQUENCE:
        insert_for = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert_for(InvoiceSequence).values(team_id=bindparam(TEAM_PARAM), last_value=1)
        _SEQUENCE[dialect] = statement.on_conflict_do_update(
            index_elements=[InvoiceSequence.team_id],
            set_={"last_value": InvoiceSequence.last_value + 1},
        ).returning(InvoiceSequence.last_value)
    return _SEQUENCE[dialect]


_SEQUENCE: dict[str, Any] = {}

# PostgreSQL: the next number taken and set on the invoice in one statement, at the end of
# its transaction (migration 0005: numbers are unique among numbered invoices, sequence > 0)
_next_number = (
    _next_sequence("postgresql")
    .returning(InvoiceSequence.team_id)  # joined on below: the counter is the invoice's team's
    .cte("next_number")
)
_number_text = cast(_next_number.c.last_value, String)
_NUMBER_LAST = (
    update(Invoice)
    .where(Invoice.id == bindparam("invoice_id"), Invoice.team_id == _next_number.c.team_id)
    .values(
        sequence=_next_number.c.last_value,
        number=bindparam("prefix", type_=String)
        + func.lpad(_number_text, func.greatest(6, func.length(_number_text)), "0"),
        # given here: with an INSERT in its WITH, SQLAlchemy fills no `onupdate` default
        updated_at=bindparam("now", type_=UTCDateTime()),
    )
    .returning(*COLUMNS)
)


# What an invoice's checks read, beside the invoice itself: whether the client and event it
# names are the team's, the taxes its lines name (and the team's defaults), and how it was
# last paid (a refund goes back the same way).
def _taxes(named: int) -> Label:
    """The team's taxes a body's lines can apply, as JSON: the `named` ids it names (bound
    as `tax_0`... rather than one expanding list, so the statement is the same object for
    every body naming as many taxes, and runs on the driver) and the active defaults."""
    named_ids = [Tax.id == bindparam(f"tax_{i}") for i in range(named)]
    return json_array(
        json_object(
            id=Tax.id,
            name=Tax.name,
            rate=cast(Tax.rate, String),
            inclusive=Tax.inclusive,
            is_active=Tax.is_active,
            is_default=Tax.is_default,
        ),
        source=Tax,
        where=or_(*named_ids, and_(Tax.is_default == true(), Tax.is_active == true())),
        order_by=[Tax.id],
    ).label("taxes")


_LAST_PROVIDER = (
    select(Transaction.provider)
    .where(Transaction.invoice_id == Invoice.id, Transaction.type == "payment")
    .order_by(Transaction.processed_at.desc(), Transaction.id.desc())
    .limit(1)
    .correlate(Invoice)
    .scalar_subquery()
    .label("last_provider")
)
_LOCKED = (
    select(*COLUMNS, ITEMS, _LAST_PROVIDER)
    .where(Invoice.id == bindparam("invoice_id"))
    .with_for_update(of=Invoice)
)
_lookup_statements: dict[tuple[bool, tuple[str, ...], bool, int], Select] = {}


def _lookups(body: Mapping[str, Any], invoice_id: int | None) -> tuple[Select, dict[str, Any]]:
    """One statement reading what the body's checks need: for an update, the locked invoice
    with it."""
    named = tuple(f for f, _m, _l in REFERENCES if body.get(f) is not None)
    wants_taxes = "items" in body
    tax_ids = sorted({t for item in body.get("items") or () for t in item.get("tax_ids") or ()})
    # bounded: a body has at most 100 lines of at most 5 taxes each (the document's maxItems)
    key = (invoice_id is not None, named, wants_taxes, len(tax_ids))
    if key not in _lookup_statements:
        columns = [
            select(model.id)
            .where(model.id == bindparam(f"ref_{field}"))
            .scalar_subquery()
            .label(f"{field}_found")
            for field, model, _label in REFERENCES
            if field in named
        ]
        if wants_taxes:
            columns.append(_taxes(len(tax_ids)))
        base = _LOCKED if invoice_id is not None else select()
        _lookup_statements[key] = base.add_columns(*columns)
    params: dict[str, Any] = {f"ref_{field}": body[field] for field in named}
    params.update({f"tax_{i}": tax_id for i, tax_id in enumerate(tax_ids)})
    if invoice_id is not None:
        params["invoice_id"] = invoice_id
    return _lookup_statements[key], params


def _lines(priced: list[tuple[dict[str, Any], LineTotals]] | None) -> list[LineTotals] | None:
    return None if priced is None else [line for _, line in priced]


def _date(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _check_references(rules: Rules, body: Mapping[str, Any], found_refs: Any) -> None:
    for field, _model, label in REFERENCES:
        if body.get(field) is not None and getattr(found_refs, f"{field}_found") is None:
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
    rules: Rules, items: list[dict[str, Any]], taxes: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], LineTotals]] | None:
    """Each input line with its computed amounts, or None when a line's taxes are invalid.
    `taxes` are the team's taxes the lines name, and its default ones."""
    known = {tax["id"]: tax for tax in taxes}
    defaults = [tax for tax in taxes if tax["is_default"] and tax["is_active"]]
    priced: list[tuple[dict[str, Any], LineTotals]] = []
    valid = True
    for index, item in enumerate(items):
        if "tax_ids" in item:
            applied = []
            for position, tax_id in enumerate(item["tax_ids"]):
                tax = known.get(tax_id)
                if tax is None or not tax["is_active"]:
                    key = f"items.{index}.tax_ids.{position}"
                    rules.fail(key, f"The selected {key} is invalid (not an active tax).")
                    valid = False
                else:
                    applied.append(tax)
        else:
            applied = defaults
            if len(defaults) > MAX_LINE_TAXES:
                key = f"items.{index}.tax_ids"
                rules.fail(
                    key,
                    f"The team has more than {MAX_LINE_TAXES} active default taxes: "
                    f"give the {key} field.",
                )
                valid = False
        rates = [
            TaxRule(tax["name"], Decimal(tax["rate"]), bool(tax["inclusive"]), tax["id"])
            for tax in applied
        ]
        line = line_totals(item["quantity"], item["unit_amount"], rates)
        if line.inclusive_tax_amount > line.amount:
            rules.fail(f"items.{index}.tax_ids", "The inclusive taxes exceed the line amount.")
            valid = False
        priced.append((item, line))
    return priced if valid else None


async def _insert_items(
    db: TeamConnection, invoice_id: int, priced: list[tuple[dict[str, Any], LineTotals]]
) -> list[dict[str, Any]]:
    """The lines and their tax snapshots, two batched INSERTs; the lines as answered."""
    if not priced:
        return []
    rows = [
        {
            "invoice_id": invoice_id,
            "position": position,
            "description": item["description"],
            "quantity": item["quantity"],
            "unit_amount": item["unit_amount"],
            "amount": line.amount,
        }
        for position, (item, line) in enumerate(priced)
    ]
    by_position = dict((await db.execute(_INSERT_ITEMS, rows)).all())
    ids = [by_position[position] for position in range(len(rows))]
    taxes = [
        {
            "item_id": item_id,
            "position": position,
            "tax_id": tax.tax_id,
            "name": tax.name,
            "rate": tax.rate,
            "inclusive": tax.inclusive,
            "amount": tax.amount,
        }
        for item_id, (_item_body, line) in zip(ids, priced, strict=True)
        for position, tax in enumerate(line.taxes)
    ]
    if taxes:
        await db.execute(_INSERT_ITEM_TAXES, taxes)
    return [
        {
            **{key: row[key] for key in ("description", "quantity", "unit_amount", "amount")},
            "id": item_id,
            "taxes": [t for t in taxes if t["item_id"] == item_id],
        }
        for item_id, row in zip(ids, rows, strict=True)
    ]


def _stored_lines(items: Sequence[Mapping[str, Any]]) -> list[LineTotals]:
    """The lines as they were priced: the snapshot, never recomputed from today's taxes."""
    return [
        LineTotals(
            amount=item["amount"],
            taxes=tuple(
                AppliedTax(
                    tax["tax_id"],
                    tax["name"],
                    Decimal(tax["rate"]),
                    bool(tax["inclusive"]),
                    tax["amount"],
                )
                for tax in item["taxes"]
            ),
        )
        for item in items
    ]
