"""Every statement the bare app runs, in one place, per dialect, and how to read its rows.

Each statement names the reference server's operation it mirrors. They are the statements
the reference server's async request path runs (issue 9), captured from `main` at 30a6c7c
with a `before_cursor_execute` listener: one token row joined with its team; per list one
count and one page with the children aggregated as JSON in the page statement; writes in one
explicit transaction on an autocommit connection. Left out on purpose: SQLAlchemy's typed
casts on PostgreSQL (`%(x)s::BIGINT`), and the server's `executemany` of the tag and tax
snapshot rows (psycopg pipelines them: one round trip, as the multi-row inserts here).

To re-sync: capture the server's SQL for the six requests of `tests/test_benchmark_smoke.py`
(`sqlalchemy.engine` logging, or `event.listen(Engine, "before_cursor_execute", ...)`), edit
the strings here; the handlers in `bare_app.py` bind values in placeholder order, and the
smoke test says whether the answers still match the server's.

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
    "amount_due", "notes", "terms", "team_id", "created_at", "updated_at",
)  # fmt: skip
CLIENT_OPTIONAL = ("email", "phone", "notes", "address")  # inserted only when sent


def _columns(table: str, names: tuple[str, ...]) -> str:
    return ", ".join(f"{table}.{name}" for name in names)


# -- the same text on both backends -------------------------------------------------------

# every operation (security): the token by id with its team's defaults; the hash is
# compared in Python in constant time
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
CLIENT_COUNT = (
    "SELECT count(*) AS count_1 FROM (SELECT clients.id AS id FROM clients"
    " WHERE clients.team_id = ?) AS anon_1"
)
# listInvoices without filters: the count
INVOICE_COUNT = (
    "SELECT count(*) AS count_1 FROM (SELECT invoices.id AS id FROM invoices"
    " WHERE invoices.team_id = ?) AS anon_1"
)
# createInvoice: the team's next number, taken under the counter row's lock
INVOICE_SEQUENCE = (
    "INSERT INTO invoice_sequences (team_id, last_value) VALUES (?, ?)"
    " ON CONFLICT (team_id) DO UPDATE SET last_value = (invoice_sequences.last_value + ?)"
    " RETURNING invoice_sequences.last_value"
)
# createInvoice on PostgreSQL: numbered last, the counter locked for this one statement
INVOICE_NUMBER_LAST = (
    "WITH next_number AS (INSERT INTO invoice_sequences (team_id, last_value) VALUES (?, ?)"
    " ON CONFLICT (team_id) DO UPDATE SET last_value = (invoice_sequences.last_value + ?)"
    " RETURNING invoice_sequences.last_value)"
    " UPDATE invoices SET sequence=next_number.last_value, number=(? || lpad("
    "CAST(next_number.last_value AS VARCHAR), greatest(?, length("
    "CAST(next_number.last_value AS VARCHAR))), ?)), updated_at=? FROM next_number"
    " WHERE invoices.id = ? AND invoices.team_id = ?"
    f" RETURNING {_columns('invoices', INVOICE_COLUMNS)}"
)
# createInvoice: the invoice row, read back whole
INVOICE_INSERT = (
    f"INSERT INTO invoices ({', '.join(INVOICE_INSERT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(INVOICE_INSERT_COLUMNS))})"
    f" RETURNING {_columns('invoices', INVOICE_COLUMNS)}"
)
COMMIT = "COMMIT"
ROLLBACK = "ROLLBACK"


@cache
def client_insert(columns: tuple[str, ...]) -> str:
    """createClient: the client row with the columns the body set (and the defaults), read
    back whole."""
    return (
        f"INSERT INTO clients ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        f" RETURNING {_columns('clients', CLIENT_COLUMNS)}"
    )


@cache
def client_tags_insert(rows: int) -> str:
    """createClient: all of the client's tags in one statement."""
    return "INSERT INTO client_tags (client_id, position, tag) VALUES " + _rows(3, rows)


@cache
def invoice_items_insert(rows: int) -> str:
    """createInvoice: all lines in one statement; ids come back with their position."""
    return (
        "INSERT INTO invoice_items (invoice_id, position, description, quantity, unit_amount,"
        f" amount) VALUES {_rows(6, rows)} RETURNING invoice_items.position, invoice_items.id"
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
    "(SELECT coalesce(json_agg(client_tags.tag ORDER BY client_tags.position), '[]'::json)"
    " AS coalesce_1 FROM client_tags WHERE client_tags.client_id = clients.id)"
)
SQLITE_CLIENT_TAGS = (
    "(SELECT json_group_array(anon_1.value) AS json_group_array_1 FROM"
    " (SELECT client_tags.tag AS value FROM client_tags"
    " WHERE client_tags.client_id = clients.id ORDER BY client_tags.position) AS anon_1)"
)
# listInvoices: lines as JSON objects, each with its tax snapshots nested the same way
PG_INVOICE_ITEMS = (
    "(SELECT coalesce(json_agg(json_build_object('id', invoice_items.id,"
    " 'description', invoice_items.description, 'quantity', invoice_items.quantity,"
    " 'unit_amount', invoice_items.unit_amount, 'amount', invoice_items.amount,"
    " 'taxes', (SELECT coalesce(json_agg(json_build_object("
    "'tax_id', invoice_item_taxes.tax_id, 'name', invoice_item_taxes.name,"
    " 'rate', CAST(invoice_item_taxes.rate AS VARCHAR),"
    " 'inclusive', invoice_item_taxes.inclusive, 'amount', invoice_item_taxes.amount)"
    " ORDER BY invoice_item_taxes.position), '[]'::json) AS coalesce_2"
    " FROM invoice_item_taxes WHERE invoice_item_taxes.item_id = invoice_items.id))"
    " ORDER BY invoice_items.position), '[]'::json) AS coalesce_1"
    " FROM invoice_items WHERE invoice_items.invoice_id = invoices.id)"
)
SQLITE_INVOICE_ITEMS = (  # `inclusive` comes as 0/1: `Dialect.invoice_items` makes it a bool
    "(SELECT json_group_array(json(anon_1.value)) AS json_group_array_1 FROM"
    " (SELECT json_object('id', invoice_items.id, 'description', invoice_items.description,"
    " 'quantity', invoice_items.quantity, 'unit_amount', invoice_items.unit_amount,"
    " 'amount', invoice_items.amount, 'taxes', json((SELECT json_group_array(json(anon_2.value))"
    " AS json_group_array_2 FROM (SELECT json_object('tax_id', invoice_item_taxes.tax_id,"
    " 'name', invoice_item_taxes.name, 'rate', CAST(invoice_item_taxes.rate AS VARCHAR),"
    " 'inclusive', invoice_item_taxes.inclusive, 'amount', invoice_item_taxes.amount) AS value"
    " FROM invoice_item_taxes WHERE invoice_item_taxes.item_id = invoice_items.id"
    " ORDER BY invoice_item_taxes.position) AS anon_2))) AS value FROM invoice_items"
    " WHERE invoice_items.invoice_id = invoices.id ORDER BY invoice_items.position) AS anon_1)"
)
# createInvoice: in one read, whether the client and the event are the team's, and as JSON
# the taxes the lines name plus the team's active default taxes
_FOUND = (
    "SELECT (SELECT clients.id FROM clients WHERE clients.id = ? AND clients.team_id = ?)"
    " AS client_id_found, (SELECT events.id FROM events WHERE events.id = ?"
    " AND events.team_id = ?) AS event_id_found, "
)
_TAX_FIELDS = (
    "'id', taxes.id, 'name', taxes.name, 'rate', CAST(taxes.rate AS VARCHAR),"
    " 'inclusive', taxes.inclusive, 'is_active', taxes.is_active,"
    " 'is_default', taxes.is_default"
)
PG_INVOICE_CHECK = (
    _FOUND + f"(SELECT coalesce(json_agg(json_build_object({_TAX_FIELDS}) ORDER BY taxes.id),"
    " '[]'::json) AS coalesce_1 FROM taxes WHERE ({named} OR taxes.is_default = true"
    " AND taxes.is_active = true) AND taxes.team_id = ?) AS taxes"
)
SQLITE_INVOICE_CHECK = (  # the team criterion twice, as the server's statement has it
    _FOUND + "(SELECT json_group_array(json(anon_1.value)) AS json_group_array_1 FROM"
    f" (SELECT json_object({_TAX_FIELDS}) AS value FROM taxes WHERE"
    " ({named} OR taxes.is_default = 1 AND taxes.is_active = 1) AND taxes.team_id = ?"
    " AND taxes.team_id = ? ORDER BY taxes.id) AS anon_1) AS taxes"
)


def _client_page(tags: str, name_order: str) -> str:
    # listClients: one page in the contract's order (name by code point, then id)
    return (
        f"SELECT {_columns('clients', CLIENT_COLUMNS)}, {tags} AS tags FROM clients"
        f" WHERE clients.team_id = ? ORDER BY {name_order} ASC, clients.id ASC LIMIT ? OFFSET ?"
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
    invoice_check_template: str  # `{named}`: the named taxes' condition

    def sql(self, statement: str) -> str:
        """The statement with this driver's placeholders."""
        if self.name == "sqlite":
            return statement
        if "%" in statement:
            raise ValueError("a literal % would need escaping for psycopg")
        return statement.replace("?", "%s")

    def invoice_check(self, named: int) -> str:
        """createInvoice's check read for `named` tax ids (their placeholders expanded)."""
        condition = f"taxes.id IN ({', '.join('?' * named)})" if named else "1 != 1"
        return self.sql(self.invoice_check_template.format(named=condition))

    def invoice_check_params(
        self, team_id: int, client_id: Any, event_id: Any, named: list[int]
    ) -> list[Any]:
        teams = [team_id, team_id] if self.name == "sqlite" else [team_id]
        return [client_id, team_id, event_id, team_id, *named, *teams]

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

    def invoice_items(self, value: Any) -> list[dict]:
        """The aggregated lines; SQLite's JSON has 0/1 where the contract has booleans."""
        items = self.json_value(value)
        if self.name == "sqlite":
            for item in items:
                for tax in item["taxes"]:
                    tax["inclusive"] = bool(tax["inclusive"])
        return items

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
    client_page=_client_page(SQLITE_CLIENT_TAGS, "clients.name"),
    invoice_page=_invoice_page(SQLITE_INVOICE_ITEMS),
    invoice_check_template=SQLITE_INVOICE_CHECK,
)
POSTGRESQL = Dialect(
    name="postgresql",
    begin="BEGIN",
    client_page=_client_page(PG_CLIENT_TAGS, 'clients.name COLLATE "C"'),
    invoice_page=_invoice_page(PG_INVOICE_ITEMS),
    invoice_check_template=PG_INVOICE_CHECK,
)
