"""Every statement the bare app runs, in one place, per dialect, and how to read its rows.

Each statement names the reference server's operation it mirrors. They are the shapes the
reference server's request path runs after the async rewrite (issue 9): one token row joined
with its team; per list one count and one page with the children aggregated as JSON in the
page statement; writes in one explicit transaction on an autocommit connection, with
multi-row inserts. To re-sync with the server, capture its SQL (`sqlalchemy.engine` logging,
or a `before_cursor_execute` listener on its engine, run through
`tests/test_benchmark_smoke.py`'s requests) and edit the strings here; the handlers in
`bare_app.py` only bind values in the order of the placeholders.

Placeholders are written `?` (sqlite3/aiosqlite) and become `%s` for psycopg.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

EVENT_COLUMNS = (
    "id", "event_type_id", "client_id", "location_id", "title", "starts_at", "ends_at",
    "timezone", "status", "notes", "cancellation_reason", "recurrence", "created_at",
    "updated_at",
)  # fmt: skip
CLIENT_COLUMNS = (
    "id", "name", "email", "phone", "timezone", "notes", "address", "created_at", "updated_at",
)  # fmt: skip
INVOICE_COLUMNS = (
    "id", "number", "client_id", "event_id", "status", "currency", "issue_date", "due_date",
    "discount", "subtotal", "tax_total", "total", "amount_paid", "amount_due", "notes",
    "terms", "paid_at", "created_at", "updated_at",
)  # fmt: skip
INVOICE_INSERT_COLUMNS = (
    "version", "sequence", "number", "client_id", "event_id", "status", "currency",
    "issue_date", "due_date", "discount", "subtotal", "tax_total", "total", "amount_paid",
    "amount_due", "notes", "terms", "paid_at", "team_id", "created_at", "updated_at",
)  # fmt: skip
CLIENT_INSERT_COLUMNS = (
    "name", "email", "phone", "timezone", "notes", "address", "team_id", "created_at",
    "updated_at",
)  # fmt: skip


def _columns(table: str, names: tuple[str, ...]) -> str:
    return ", ".join(f"{table}.{name}" for name in names)


# -- the same text on both backends -------------------------------------------------------

# every operation (security, `impl/security.py`): the token by id with its team's defaults;
# the hash is compared in Python in constant time
TOKEN = (
    "SELECT api_tokens.team_id, api_tokens.token_hash, api_tokens.scopes,"
    " api_tokens.revoked_at, teams.timezone, teams.currency, teams.invoice_prefix"
    " FROM api_tokens JOIN teams ON teams.id = api_tokens.team_id WHERE api_tokens.id = ?"
)
# listEvents without filters: the count kept by triggers (migration 0003)
EVENT_COUNT = (
    "SELECT team_event_counts.n FROM team_event_counts WHERE team_event_counts.team_id = ?"
)
# listEvents: one page in the contract's order
EVENT_PAGE = (
    f"SELECT {_columns('events', EVENT_COLUMNS)} FROM events WHERE events.team_id = ?"
    " ORDER BY events.starts_at ASC, events.id ASC LIMIT ? OFFSET ?"
)
# getEvent
EVENT_BY_ID = (
    f"SELECT {_columns('events', EVENT_COLUMNS)} FROM events"
    " WHERE events.id = ? AND events.team_id = ?"
)
# listClients without filters: the count
CLIENT_COUNT = "SELECT count(*) FROM clients WHERE clients.team_id = ?"
# listInvoices without filters: the count
INVOICE_COUNT = "SELECT count(*) FROM invoices WHERE invoices.team_id = ?"
# createClient: the client row (its tags follow in one multi-row insert)
CLIENT_INSERT = (
    f"INSERT INTO clients ({', '.join(CLIENT_INSERT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(CLIENT_INSERT_COLUMNS))})"
    f" RETURNING {_columns('clients', CLIENT_COLUMNS)}"
)
# createInvoice: the team's next number, taken under the counter row's lock
INVOICE_SEQUENCE = (
    "INSERT INTO invoice_sequences (team_id, last_value) VALUES (?, 1)"
    " ON CONFLICT (team_id) DO UPDATE SET last_value = invoice_sequences.last_value + 1"
    " RETURNING invoice_sequences.last_value"
)
# createInvoice: the invoice row
INVOICE_INSERT = (
    f"INSERT INTO invoices ({', '.join(INVOICE_INSERT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(INVOICE_INSERT_COLUMNS))}) RETURNING invoices.id"
)
COMMIT = "COMMIT"
ROLLBACK = "ROLLBACK"


@cache
def client_tags_insert(rows: int) -> str:
    """createClient: all of the client's tags in one statement."""
    return "INSERT INTO client_tags (client_id, position, tag) VALUES " + _rows(3, rows)


@cache
def invoice_items_insert(rows: int) -> str:
    """createInvoice: all lines in one statement; ids come back with their position."""
    return (
        "INSERT INTO invoice_items (invoice_id, position, description, quantity, unit_amount,"
        f" amount) VALUES {_rows(6, rows)} RETURNING invoice_items.id, invoice_items.position"
    )


@cache
def invoice_item_taxes_insert(rows: int) -> str:
    """createInvoice: every line's tax snapshots in one statement."""
    return (
        "INSERT INTO invoice_item_taxes (item_id, position, tax_id, name, rate, inclusive,"
        f" amount) VALUES {_rows(7, rows)}"
    )


def _rows(width: int, rows: int) -> str:
    row = f"({', '.join('?' * width)})"
    return ", ".join([row] * rows)


# -- per backend ------------------------------------------------------------------------------

# listClients: tags as a JSON array in the page statement
PG_CLIENT_TAGS = (
    "coalesce((SELECT json_agg(client_tags.tag ORDER BY client_tags.position)"
    " FROM client_tags WHERE client_tags.client_id = clients.id), '[]')"
)
SQLITE_CLIENT_TAGS = (
    "(SELECT json_group_array(tag) FROM (SELECT client_tags.tag AS tag FROM client_tags"
    " WHERE client_tags.client_id = clients.id ORDER BY client_tags.position))"
)
# listInvoices: lines as JSON objects, each with its tax snapshots nested the same way
PG_INVOICE_ITEMS = (
    "coalesce((SELECT json_agg(json_build_object("
    "'id', invoice_items.id, 'description', invoice_items.description,"
    " 'quantity', invoice_items.quantity, 'unit_amount', invoice_items.unit_amount,"
    " 'amount', invoice_items.amount, 'taxes', coalesce((SELECT json_agg(json_build_object("
    "'tax_id', invoice_item_taxes.tax_id, 'name', invoice_item_taxes.name,"
    " 'rate', invoice_item_taxes.rate::text, 'inclusive', invoice_item_taxes.inclusive,"
    " 'amount', invoice_item_taxes.amount) ORDER BY invoice_item_taxes.position)"
    " FROM invoice_item_taxes WHERE invoice_item_taxes.item_id = invoice_items.id), '[]'))"
    " ORDER BY invoice_items.position)"
    " FROM invoice_items WHERE invoice_items.invoice_id = invoices.id), '[]')"
)
SQLITE_INVOICE_ITEMS = (
    "(SELECT json_group_array(json(item)) FROM (SELECT json_object("
    "'id', invoice_items.id, 'description', invoice_items.description,"
    " 'quantity', invoice_items.quantity, 'unit_amount', invoice_items.unit_amount,"
    " 'amount', invoice_items.amount, 'taxes', json((SELECT json_group_array(json(tax))"
    " FROM (SELECT json_object('tax_id', invoice_item_taxes.tax_id,"
    " 'name', invoice_item_taxes.name, 'rate', invoice_item_taxes.rate,"
    " 'inclusive', json(CASE WHEN invoice_item_taxes.inclusive THEN 'true' ELSE 'false' END),"
    " 'amount', invoice_item_taxes.amount) AS tax FROM invoice_item_taxes"
    " WHERE invoice_item_taxes.item_id = invoice_items.id"
    " ORDER BY invoice_item_taxes.position)))) AS item"
    " FROM invoice_items WHERE invoice_items.invoice_id = invoices.id"
    " ORDER BY invoice_items.position))"
)
# createInvoice: in one read, whether the client and the event are the team's, and the
# taxes the lines name plus the team's active default taxes (a row of NULL taxes if none)
_INVOICE_CHECK = (
    "SELECT EXISTS (SELECT 1 FROM clients WHERE clients.id = ? AND clients.team_id = ?),"
    " EXISTS (SELECT 1 FROM events WHERE events.id = ? AND events.team_id = ?),"
    " taxes.id, taxes.name, taxes.rate, taxes.inclusive, taxes.is_default, taxes.is_active"
    " FROM (SELECT 1) AS one LEFT OUTER JOIN taxes ON taxes.team_id = ?"
    " AND (taxes.id {in_ids} OR (taxes.is_default {true} AND taxes.is_active {true}))"
    " ORDER BY taxes.id"
)


def _client_page(tags: str) -> str:
    # listClients: one page in the contract's order (name by code point, then id)
    return (
        f"SELECT {_columns('clients', CLIENT_COLUMNS)}, {tags} AS tags FROM clients"
        " WHERE clients.team_id = ? ORDER BY clients.name ASC, clients.id ASC LIMIT ? OFFSET ?"
    )


def _invoice_page(items: str) -> str:
    # listInvoices: one page, newest first
    return (
        f"SELECT {_columns('invoices', INVOICE_COLUMNS)}, {items} AS items FROM invoices"
        " WHERE invoices.team_id = ?"
        " ORDER BY invoices.issue_date DESC, invoices.id DESC LIMIT ? OFFSET ?"
    )


@dataclass(frozen=True)
class Dialect:
    """One backend's statements and how its driver's values become the wire format."""

    name: str
    begin: str  # createClient/createInvoice: the write transaction
    client_page: str
    invoice_page: str
    invoice_check: str  # its tax ids placeholder takes `tax_ids(ids)`

    def sql(self, statement: str) -> str:
        """The statement with this driver's placeholders."""
        if self.name == "sqlite":
            return statement
        if "%" in statement:
            raise ValueError("a literal % would need escaping for psycopg")
        return statement.replace("?", "%s")

    def tax_ids(self, ids: list[int]) -> Any:
        return json.dumps(ids) if self.name == "sqlite" else ids

    # values read --------------------------------------------------------------------------
    def wire_time(self, value: Any) -> str | None:
        """A stored UTC instant as `2026-03-16T08:00:00Z`."""
        if value is None:
            return None
        if isinstance(value, str):  # SQLite: `2026-03-16 08:00:00.000000`
            return f"{value[:10]}T{value[11:19]}Z"
        return value.isoformat(timespec="seconds") + "Z"  # naive UTC datetime

    def wire_date(self, value: Any) -> str | None:
        return value.isoformat() if isinstance(value, date) else value

    def json_value(self, value: Any) -> Any:
        """A JSON column or aggregate: text on SQLite, already decoded by psycopg."""
        return json.loads(value) if isinstance(value, str) else value

    def decimal(self, value: Any) -> Decimal:
        return value if isinstance(value, Decimal) else Decimal(str(value))

    # values written -----------------------------------------------------------------------
    def stored_time(self, moment: datetime) -> Any:
        """A UTC instant as the server stores it (whole seconds; naive on PostgreSQL)."""
        naive = moment.replace(tzinfo=None, microsecond=0)
        return naive.strftime("%Y-%m-%d %H:%M:%S.000000") if self.name == "sqlite" else naive

    def stored_date(self, day: date | None) -> Any:
        if day is None:
            return None
        return day.isoformat() if self.name == "sqlite" else day

    def stored_decimal(self, value: Decimal) -> Any:
        exact = value.quantize(Decimal("0.01"))
        return str(exact) if self.name == "sqlite" else exact

    def stored_json(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value)


SQLITE = Dialect(
    name="sqlite",
    begin="BEGIN IMMEDIATE",
    client_page=_client_page(SQLITE_CLIENT_TAGS),
    invoice_page=_invoice_page(SQLITE_INVOICE_ITEMS),
    invoice_check=_INVOICE_CHECK.format(in_ids="IN (SELECT value FROM json_each(?))", true="= 1"),
)
POSTGRESQL = Dialect(
    name="postgresql",
    begin="BEGIN",
    client_page=_client_page(PG_CLIENT_TAGS),
    invoice_page=_invoice_page(PG_INVOICE_ITEMS),
    invoice_check=_INVOICE_CHECK.format(in_ids="= ANY(?)", true="IS TRUE"),
)
