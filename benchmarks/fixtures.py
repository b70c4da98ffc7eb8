"""The rows of a benchmark database besides the events: a team and its token, an event type,
taxes, clients with tags, and invoices with items and tax snapshots.

Written with SQLAlchemy Core on the server's own tables (`schedulingkit.impl.data.models`), so
values are stored exactly as the server stores them on either backend, without depending on
the server's request path (which a rewrite may change). Amounts come from the server's own
arithmetic (`domain.invoicing`), so every invoice reads back as the server would have
priced it. A few hundred of each, as a small practice has.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, insert

CREATED = datetime(2023, 12, 1, 9, 0, tzinfo=UTC)
CLIENT_COUNT = 300
INVOICE_COUNT = 300
TAGS = ("vip", "new", "insured", "referral", "minor")
INVOICE_STATUSES = ("draft", "sent", "paid", "partially_paid", "overdue")
FIRST_ISSUE_DATE = date(2025, 1, 1)  # generated invoices sort before any created in the run


@dataclass(frozen=True)
class Taxes:
    """Ids of the team's taxes: VAT is the one default; the others are named explicitly."""

    vat: int
    reduced: int
    city: int
    retired: int


@dataclass(frozen=True)
class Fixtures:
    team_id: int
    token: str
    event_type_id: int
    client_ids: list[int]
    taxes: Taxes


def tables() -> dict[str, Table]:
    from schedulingkit.impl.data.models import Base

    return dict(Base.metadata.tables)


def insert_returning_ids(connection: Connection, table: Table, rows: list[dict]) -> list[int]:
    """Insert `rows`; their new ids in the order of `rows` (one statement per batch)."""
    if not rows:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def new_token_secret() -> str:
    """A Sanctum-format secret: 40 letters/digits and their CRC32 in hex (`impl/tokens.py`)."""
    alphabet = string.ascii_letters + string.digits
    entropy = "".join(secrets.choice(alphabet) for _ in range(40))
    return entropy + format(zlib.crc32(entropy.encode()) & 0xFFFFFFFF, "08x")


def create_fixtures(connection: Connection) -> Fixtures:
    """Team, wildcard token, event type, taxes and clients with tags (no events yet)."""
    t = tables()
    stamps = {"created_at": CREATED, "updated_at": CREATED}
    team = {
        "name": "Bench Physio",
        "slug": "bench",
        "timezone": "Europe/Paris",
        "currency": "EUR",
        "invoice_prefix": "INV-",
        **stamps,
    }
    [team_id] = insert_returning_ids(connection, t["teams"], [team])
    secret = new_token_secret()
    token_row = {
        "team_id": team_id,
        "name": "benchmark",
        "token_hash": hashlib.sha256(secret.encode()).hexdigest(),
        "scopes": ["*"],
        "revoked_at": None,
        **stamps,
    }
    [token_id] = insert_returning_ids(connection, t["api_tokens"], [token_row])
    event_type = {
        "team_id": team_id,
        "name": "Assessment",
        "slug": "assessment",
        "kind": "one_on_one",
        "duration_minutes": 60,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "price": 6500,
        "currency": "EUR",
        "is_active": True,
        "color": "#3B82F6",
        **stamps,
    }
    [event_type_id] = insert_returning_ids(connection, t["event_types"], [event_type])
    tax_rows = [
        _tax(team_id, "VAT", "20.00", inclusive=False, default=True, active=True),
        _tax(team_id, "Reduced VAT", "5.50", inclusive=False, default=False, active=True),
        _tax(team_id, "City tax", "1.50", inclusive=True, default=False, active=True),
        _tax(team_id, "Old VAT", "19.60", inclusive=False, default=False, active=False),
    ]
    taxes = Taxes(*insert_returning_ids(connection, t["taxes"], tax_rows))
    client_ids = insert_returning_ids(
        connection, t["clients"], [client_row(team_id, i) for i in range(CLIENT_COUNT)]
    )
    tag_rows = [
        {"client_id": client_id, "position": position, "tag": tag}
        for i, client_id in enumerate(client_ids)
        for position, tag in enumerate(client_tags(i))
    ]
    connection.execute(insert(t["client_tags"]), tag_rows)
    return Fixtures(team_id, f"{token_id}|{secret}", event_type_id, client_ids, taxes)


def _tax(team_id: int, name: str, rate: str, *, inclusive: bool, default: bool, active: bool):
    return {
        "team_id": team_id,
        "name": name,
        "rate": Decimal(rate),
        "inclusive": inclusive,
        "is_default": default,
        "is_active": active,
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def client_tags(i: int) -> list[str]:
    """0 to 3 tags, so a page of clients has clients with none, one and several."""
    return [TAGS[(i + k) % len(TAGS)] for k in range(i % 4)]


def client_row(team_id: int, i: int) -> dict[str, Any]:
    address = (
        {"line1": f"{i} Rue de Rivoli", "city": "Paris", "postal_code": "75004", "country": "FR"}
        if i % 3 == 0
        else None
    )
    return {
        "team_id": team_id,
        "name": f"Client {i:03d}",
        "email": f"client{i}@example.com",
        "phone": f"+3361234{i:04d}" if i % 2 else None,
        "timezone": "Europe/Paris" if i % 5 else "UTC",
        "notes": "Prefers mornings." if i % 7 == 0 else None,
        "address": address,
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def create_invoices(
    connection: Connection, fixtures: Fixtures, event_ids: tuple[int, int]
) -> tuple[int, int]:
    """`INVOICE_COUNT` numbered invoices with 1-3 lines each and their tax snapshots, and the
    team's invoice sequence after them; returns the first and last invoice id."""
    from schedulingkit.impl.domain.invoicing import TaxRule, invoice_totals, line_totals

    t = tables()
    taxes = {row.id: row for row in connection.execute(t["taxes"].select())}
    rules = {i: TaxRule(r.name, Decimal(r.rate), r.inclusive, r.id) for i, r in taxes.items()}
    line_taxes = ([fixtures.taxes.vat], [fixtures.taxes.reduced, fixtures.taxes.city], [])
    invoices, lines = [], []
    for i in range(INVOICE_COUNT):
        priced = []
        for j in range(1 + i % 3):
            quantity, unit_amount = 1 + (i + j) % 3, 4500 + 500 * j
            line = line_totals(quantity, unit_amount, [rules[x] for x in line_taxes[j]])
            priced.append((f"Session {j + 1}", quantity, unit_amount, line))
        status = INVOICE_STATUSES[i % len(INVOICE_STATUSES)]
        totals = invoice_totals([p[3] for p in priced], 0, 0, status)
        paid = {"paid": totals.total, "partially_paid": totals.total // 2}.get(status, 0)
        issue_date = FIRST_ISSUE_DATE + timedelta(days=i % 365)
        first_event, last_event = event_ids
        invoices.append(
            {
                "team_id": fixtures.team_id,
                "version": 1,
                "sequence": i + 1,
                "number": f"INV-{i + 1:06d}",
                "client_id": fixtures.client_ids[i % len(fixtures.client_ids)],
                "event_id": first_event + i if first_event + i <= last_event else None,
                "status": status,
                "currency": "EUR",
                "issue_date": issue_date,
                "due_date": issue_date + timedelta(days=30) if i % 2 else None,
                "discount": 0,
                "subtotal": totals.subtotal,
                "tax_total": totals.tax_total,
                "total": totals.total,
                "amount_paid": paid,
                "amount_due": totals.total - paid,
                "notes": "Thank you." if i % 4 == 0 else None,
                "terms": None,
                "paid_at": CREATED if status == "paid" else None,
                "created_at": CREATED,
                "updated_at": CREATED,
            }
        )
        lines.append(priced)
    invoice_ids = insert_returning_ids(connection, t["invoices"], invoices)
    item_rows = [
        {
            "invoice_id": invoice_id,
            "position": position,
            "description": description,
            "quantity": quantity,
            "unit_amount": unit_amount,
            "amount": line.amount,
        }
        for invoice_id, priced in zip(invoice_ids, lines, strict=True)
        for position, (description, quantity, unit_amount, line) in enumerate(priced)
    ]
    item_ids = insert_returning_ids(connection, t["invoice_items"], item_rows)
    all_lines = [p[3] for priced in lines for p in priced]
    tax_rows = [
        {
            "item_id": item_id,
            "position": position,
            "tax_id": tax.tax_id,
            "name": tax.name,
            "rate": tax.rate,
            "inclusive": tax.inclusive,
            "amount": tax.amount,
        }
        for item_id, line in zip(item_ids, all_lines, strict=True)
        for position, tax in enumerate(line.taxes)
    ]
    connection.execute(insert(t["invoice_item_taxes"]), tax_rows)
    sequence = {"team_id": fixtures.team_id, "last_value": INVOICE_COUNT}
    connection.execute(insert(t["invoice_sequences"]), [sequence])
    return invoice_ids[0], invoice_ids[-1]
