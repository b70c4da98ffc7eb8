"""Invoices through HTTP: arithmetic, numbering, tax snapshots, draft-only edits, the rules,
team isolation and lists. Status transitions are in test_server_invoices_status.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from bookings_helpers import all_pages, assert_filter_keeps_exactly, filter_values, sort_key
from schedulingkit.impl.data.models.billing import Invoice, InvoiceItem
from schedulingkit.openapi.contract import load_contract
from sqlalchemy import func, select

LIST_INVOICES = load_contract().operation("listInvoices")


@pytest.fixture
def billing(api) -> dict:
    """A client, an event and the team's taxes (two active defaults, one inactive default)."""
    event_type = api.create(
        "/event-types", {"name": "S", "slug": "s", "kind": "one_on_one", "duration_minutes": 60}
    )
    taxes = {
        "vat": api.create("/taxes", {"name": "VAT 20%", "rate": "20", "is_default": True}),
        "city": api.create("/taxes", {"name": "City 5.5%", "rate": "5.50", "is_default": True}),
        "vat_incl": api.create(
            "/taxes", {"name": "VAT 20% incl.", "rate": "20.00", "inclusive": True}
        ),
        "odd": api.create("/taxes", {"name": "Odd 12.5%", "rate": "12.5"}),
        "full_incl": api.create("/taxes", {"name": "All of it", "rate": "100", "inclusive": True}),
        "zero": api.create("/taxes", {"name": "Exempt", "rate": "0"}),
        "retired": api.create(
            "/taxes", {"name": "Old", "rate": "7", "is_default": True, "is_active": False}
        ),
    }
    client = api.create("/clients", {"name": "Ada Lovelace"})
    event = api.create(
        "/events", {"event_type_id": event_type["id"], "starts_at": "2026-03-16T09:00:00Z"}
    )
    return {"client": client, "event": event, "taxes": taxes}


def line(description: str, quantity: int, unit_amount: int, *taxes: int | None) -> dict:
    body = {"description": description, "quantity": quantity, "unit_amount": unit_amount}
    if taxes != (None,):
        body["tax_ids"] = list(taxes)
    return body


def new_invoice(api, billing: dict, items: list[dict], **fields) -> dict:
    return api.create("/invoices", {"client_id": billing["client"]["id"], "items": items} | fields)


# (quantity, unit_amount, tax names or None for the defaults) per line, discount ->
# per-line (amount, [tax amounts]) and (subtotal, tax_total, total, amount_due)
ARITHMETIC = [
    pytest.param(
        [(2, 6500, ["vat"])], 600, [(13000, [2600])], (13000, 2600, 15000, 15000), id="doc-example"
    ),
    pytest.param(
        [(1, 6000, ["vat_incl"])], 0, [(6000, [1000])], (5000, 1000, 6000, 6000), id="inclusive"
    ),
    pytest.param(
        [(1, 1000, ["vat_incl"])],
        0,
        [(1000, [167])],  # 1000 - 1000/1.2 = 166.67 -> 167
        (833, 167, 1000, 1000),
        id="inclusive-20pct-of-1000-rounds-half-up",
    ),
    pytest.param(
        [(1, 1004, ["odd"]), (1, 1012, ["odd"])],
        0,
        [(1004, [126]), (1012, [127])],  # 125.5 -> 126 and 126.5 -> 127 (not to even)
        (2016, 253, 2269, 2269),
        id="exact-halves-round-up-per-line",
    ),
    pytest.param(
        [(1, 1000, None)],
        0,
        [(1000, [200, 55])],  # the active defaults, each on the line amount
        (1000, 255, 1255, 1255),
        id="default-taxes-several-on-one-line",
    ),
    pytest.param(
        [(1, 1000, ["vat_incl", "city"])],
        0,
        [(1000, [167, 55])],
        (833, 222, 1055, 1055),
        id="inclusive-and-exclusive-together",
    ),
    pytest.param(
        [(3, 999, ["zero"]), (1, 5, [])],
        0,
        [(2997, [0]), (5, [])],
        (3002, 0, 3002, 3002),
        id="zero-rate-and-no-tax",
    ),
    pytest.param(
        [(1, 999, ["full_incl"])],
        0,
        [(999, [500])],  # 999 - 999/2 = 499.5 -> 500
        (499, 500, 999, 999),
        id="inclusive-100pct",
    ),
    pytest.param(
        [(10000, 100000000000, ["vat"])],
        0,
        [(10**15, [2 * 10**14])],
        (10**15, 2 * 10**14, 12 * 10**14, 12 * 10**14),
        id="largest-line",
    ),
    pytest.param(
        [(1, 1000, ["vat"])], 1200, [(1000, [200])], (1000, 200, 0, 0), id="discount-everything"
    ),
]


@pytest.mark.parametrize(("lines", "discount", "line_expect", "totals"), ARITHMETIC)
def test_invoice_arithmetic(api, billing, lines, discount, line_expect, totals):
    ids = billing["taxes"]
    items = [
        line(f"Line {i}", q, u, *([ids[n]["id"] for n in names] if names is not None else [None]))
        for i, (q, u, names) in enumerate(lines)
    ]
    invoice = new_invoice(api, billing, items, discount=discount)
    assert [(i["amount"], [t["amount"] for t in i["taxes"]]) for i in invoice["items"]] == (
        line_expect
    )
    got = tuple(invoice[k] for k in ("subtotal", "tax_total", "total", "amount_due"))
    assert got == totals
    assert invoice["discount"] == discount
    assert invoice["amount_paid"] == 0
    assert api.get(f"/invoices/{invoice['id']}").json()["data"] == invoice


def test_numbering_uses_the_team_prefix_and_a_per_team_sequence(make_api, client):
    first_team = make_api(invoice_prefix="ACME-")
    second_team = make_api()
    numbers = []
    for team in (first_team, second_team, first_team, first_team, second_team):
        client_row = team.create("/clients", {"name": "C"})
        body = {"client_id": client_row["id"], "items": [line("x", 1, 100, None)]}
        numbers.append(team.create("/invoices", body)["number"])
    assert numbers == ["ACME-000001", "INV-000001", "ACME-000002", "ACME-000003", "INV-000002"]


def test_create_defaults_and_fields(make_api):
    api = make_api(timezone="Pacific/Kiritimati", currency="EUR")
    client = api.create("/clients", {"name": "C"})
    invoice = api.create("/invoices", {"client_id": client["id"], "items": [line("x", 1, 1)]})
    assert invoice["status"] == "draft"
    assert invoice["currency"] == "EUR"
    assert invoice["issue_date"] == datetime.now(ZoneInfo("Pacific/Kiritimati")).date().isoformat()
    assert invoice["due_date"] is None and invoice["event_id"] is None
    assert invoice["notes"] is None and invoice["terms"] is None and invoice["paid_at"] is None
    assert invoice["items"][0]["taxes"] == []
    full = api.create(
        "/invoices",
        {
            "client_id": client["id"],
            "items": [line("y", 2, 50, None)],
            "status": "sent",
            "currency": "GBP",
            "issue_date": "2026-03-16",
            "due_date": "2026-03-16",
            "notes": "Thanks",
            "terms": "14 days",
        },
    )
    assert {k: full[k] for k in ("status", "currency", "issue_date", "due_date", "notes")} == {
        "status": "sent",
        "currency": "GBP",
        "issue_date": "2026-03-16",
        "due_date": "2026-03-16",
        "notes": "Thanks",
    }


def test_tax_snapshot_survives_later_changes_to_the_tax(api, billing):
    vat = billing["taxes"]["vat"]
    invoice = new_invoice(api, billing, [line("x", 1, 1000, vat["id"])])
    assert api.put(f"/taxes/{vat['id']}", {"rate": "25", "name": "VAT 25%"}).status_code == 200
    assert api.get(f"/invoices/{invoice['id']}").json()["data"] == invoice
    assert api.delete(f"/taxes/{vat['id']}").status_code == 204
    kept = api.get(f"/invoices/{invoice['id']}").json()["data"]
    assert kept == invoice
    assert kept["items"][0]["taxes"] == [
        {"tax_id": vat["id"], "name": "VAT 20%", "rate": "20.00", "inclusive": False, "amount": 200}
    ]
    # a new invoice uses the tax as it is now; a deleted tax cannot be applied any more
    response = api.post(
        "/invoices",
        {"client_id": billing["client"]["id"], "items": [line("y", 1, 1000, vat["id"])]},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["items.0.tax_ids.0"]


def test_editing_a_draft_reprices_with_the_taxes_of_now(api, billing):
    vat = billing["taxes"]["vat"]
    invoice = new_invoice(api, billing, [line("x", 1, 1000, vat["id"])])
    api.put(f"/taxes/{vat['id']}", {"rate": "25"})
    changed = api.put(
        f"/invoices/{invoice['id']}", {"items": [line("x", 2, 1000, vat["id"])], "discount": 100}
    ).json()["data"]
    assert changed["items"][0]["taxes"][0]["rate"] == "25.00"
    assert (changed["subtotal"], changed["tax_total"], changed["total"]) == (2000, 500, 2400)
    assert changed["number"] == invoice["number"]


INVALID_CREATES = [
    pytest.param({"client_id": 999999}, {"client_id"}, id="unknown-client"),
    pytest.param({"event_id": 999999}, {"event_id"}, id="unknown-event"),
    pytest.param(
        {"issue_date": "2026-03-16", "due_date": "2026-03-15"}, {"due_date"}, id="due-before-issue"
    ),
    pytest.param({"discount": 1201}, {"discount"}, id="discount-above-subtotal-plus-tax"),
    pytest.param({"items": [line("x", 1, 1000, 999999)]}, {"items.0.tax_ids.0"}, id="unknown-tax"),
    pytest.param({"status": "paid"}, {"status"}, id="created-paid"),
    pytest.param({"items": []}, {"items"}, id="no-lines"),
    pytest.param({"items": [line("x", 0, 1000)]}, {"items.0.quantity"}, id="zero-quantity"),
    pytest.param({"number": "INV-9"}, {"number"}, id="read-only-number"),
    pytest.param(
        {"client_id": 999999, "event_id": 999999, "discount": 5000},
        {"client_id", "event_id", "discount"},
        id="every-failing-field-listed",
    ),
]


@pytest.mark.parametrize(("fields", "error_keys"), INVALID_CREATES)
def test_create_rules_answer_422(api, billing, fields, error_keys):
    body = {"client_id": billing["client"]["id"], "items": [line("x", 1, 1000, None)]} | fields
    # the default taxes on 1000 are 200 + 55: the discount limit is 1255 (see discount cases)
    if "discount" in fields and fields["discount"] == 1201:
        body["items"] = [line("x", 1, 1000, billing["taxes"]["vat"]["id"])]
    response = api.post("/invoices", body)
    assert response.status_code == 422, response.text
    assert set(response.json()["errors"]) == error_keys
    assert api.get("/invoices").json()["meta"]["total"] == 0


def test_inactive_and_other_teams_taxes_cannot_be_applied(api, make_api, billing):
    other_tax = make_api().create("/taxes", {"name": "Theirs", "rate": "10"})
    retired = billing["taxes"]["retired"]
    items = [line("a", 1, 100, retired["id"]), line("b", 1, 100, billing["taxes"]["vat"]["id"])]
    items.append(line("c", 1, 100, billing["taxes"]["zero"]["id"], other_tax["id"]))
    response = api.post("/invoices", {"client_id": billing["client"]["id"], "items": items})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"items.0.tax_ids.0", "items.2.tax_ids.1"}


def test_inclusive_taxes_may_not_exceed_the_line(api, billing):
    full = billing["taxes"]["full_incl"]["id"]
    other = api.create("/taxes", {"name": "All again", "rate": "100", "inclusive": True})["id"]
    third = api.create("/taxes", {"name": "And again", "rate": "100", "inclusive": True})["id"]
    ok = new_invoice(api, billing, [line("x", 1, 1000, full, other)])
    assert (ok["subtotal"], ok["tax_total"]) == (0, 1000)
    response = api.post(
        "/invoices",
        {"client_id": billing["client"]["id"], "items": [line("x", 1, 1000, full, other, third)]},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["items.0.tax_ids"]


def test_other_teams_client_and_event_are_invalid(api, make_api, billing):
    other = make_api()
    their_client = other.create("/clients", {"name": "Theirs"})
    event_type = other.create(
        "/event-types", {"name": "T", "slug": "t", "kind": "one_on_one", "duration_minutes": 30}
    )
    their_event = other.create(
        "/events", {"event_type_id": event_type["id"], "starts_at": "2026-03-16T09:00:00Z"}
    )
    response = api.post(
        "/invoices",
        {
            "client_id": their_client["id"],
            "event_id": their_event["id"],
            "items": [line("x", 1, 1)],
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"client_id", "event_id"}


def test_draft_only_fields_are_rejected_once_sent(api, billing, stored):
    invoice = new_invoice(api, billing, [line("x", 1, 1000, None)], event_id=billing["event"]["id"])
    path = f"/invoices/{invoice['id']}"
    assert api.put(path, {"status": "sent"}).json()["data"]["status"] == "sent"
    body = {
        "client_id": billing["client"]["id"],
        "event_id": None,
        "currency": "EUR",
        "issue_date": "2026-01-01",
        "items": [line("y", 5, 5)],
        "discount": 1,
    }
    response = api.put(path, body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == set(body)
    # still changeable while sent
    changed = api.put(path, {"due_date": "2099-01-01", "notes": "Reminder sent", "terms": None})
    assert changed.status_code == 200
    assert changed.json()["data"]["notes"] == "Reminder sent"
    lines = stored(select(InvoiceItem.description).where(InvoiceItem.invoice_id == invoice["id"]))
    assert [line.description for line in lines] == ["x"]
    [(currency, discount)] = stored(
        select(Invoice.currency, Invoice.discount).where(Invoice.id == invoice["id"])
    )
    assert currency == invoice["currency"] and discount == 0


def test_nothing_changes_once_cancelled(api, billing):
    invoice = new_invoice(api, billing, [line("x", 1, 1000, None)])
    path = f"/invoices/{invoice['id']}"
    cancelled = api.put(path, {"status": "cancelled"}).json()["data"]
    assert cancelled["amount_due"] == 0 and cancelled["total"] == invoice["total"]
    for body in ({"notes": "late"}, {"due_date": None}, {"terms": "x"}, {"status": "sent"}):
        response = api.put(path, body)
        assert response.status_code == 422, body
        assert list(response.json()["errors"]) == list(body)
    assert api.get(path).json()["data"] == cancelled


def test_replacing_items_leaves_no_orphan_lines(api, billing, stored):
    invoice = new_invoice(
        api, billing, [line("a", 1, 100, None), line("b", 1, 100, None), line("c", 1, 1)]
    )
    api.put(f"/invoices/{invoice['id']}", {"items": [line("d", 1, 50, None)]})
    assert stored(select(func.count()).where(InvoiceItem.invoice_id == invoice["id"])) == [(1,)]


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_another_teams_invoice_is_404(api, make_api, method):
    other = make_api()
    client_row = other.create("/clients", {"name": "C"})
    theirs = other.create(
        "/invoices", {"client_id": client_row["id"], "items": [line("x", 1, 100)]}
    )
    kwargs = {"json": {"notes": "mine"}} if method == "PUT" else {}
    for invoice_id in (theirs["id"], 987654):
        response = api.request(method, f"/invoices/{invoice_id}", **kwargs)
        assert response.status_code == 404
    assert other.get(f"/invoices/{theirs['id']}").json()["data"] == theirs
    assert all_pages(api, "/invoices") == []
    assert api.get("/invoices", params={"client_id": client_row["id"]}).json()["data"] == []


@pytest.fixture
def population(api, billing) -> list[dict]:
    """Ten invoices over a few issue dates (ties included), statuses, clients and events."""
    second_client = api.create("/clients", {"name": "Grace"})
    dates = ["2026-03-01", "2026-02-28", "2026-03-01", "2026-03-31", "2026-04-01"] * 2
    notes = [None, "Knee rehab", "CAFÉ au lait", "50% off", "under_score"]
    invoices = []
    for i, issue_date in enumerate(dates):
        body = {
            "client_id": (billing["client"] if i % 2 else second_client)["id"],
            "event_id": billing["event"]["id"] if i % 3 == 0 else None,
            "issue_date": issue_date,
            "notes": notes[i % len(notes)],
            "status": "sent" if i % 4 else "draft",
            "items": [line("x", 1, 1000 + i, None)],
        }
        invoices.append(api.create("/invoices", body))
    api.put(f"/invoices/{invoices[1]['id']}", {"status": "paid"})
    api.put(f"/invoices/{invoices[2]['id']}", {"status": "cancelled"})
    api.put(f"/invoices/{invoices[3]['id']}", {"status": "overdue"})
    return [api.get(f"/invoices/{inv['id']}").json()["data"] for inv in invoices]


def test_walking_every_page_yields_each_invoice_once_newest_first(api, population):
    expected = [i["id"] for i in sorted(population, key=sort_key(LIST_INVOICES.ordering))]
    for per_page in (1, 3, 100):
        assert [i["id"] for i in all_pages(api, "/invoices", per_page=per_page)] == expected
    assert expected[0] == max(i["id"] for i in population if i["issue_date"] == "2026-04-01")


def candidate_values(items: list[dict], spec_filter) -> list[str]:
    number = items[0]["number"]
    return filter_values(
        items,
        spec_filter,
        search=[number, number.lower()[-3:], "INV-", "café", "%", "_", "KNEE", "missing"],
        bounds=["2026-03-01", "2026-03-01T00:00:00Z", "2026-03-01T23:30:00-02:00", "2026-04-02"],
    )


@pytest.mark.parametrize(
    "param",
    [f.name for f in LIST_INVOICES.filters],
)
def test_every_filter_keeps_exactly_the_matching_invoices(api, population, param):
    spec_filter = next(f for f in LIST_INVOICES.filters if f.name == param)
    values = candidate_values(population, spec_filter)
    assert_filter_keeps_exactly(
        api, "/invoices", population, LIST_INVOICES.ordering, spec_filter, values
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        (
            "POST",
            "/invoices",
            {"client_id": 2147483648, "event_id": 2**40, "items": [line("x", 1, 1, 2**35)]},
            422,
        ),
        ("PUT", "/invoices/2147483648", {"notes": "x"}, 404),
        ("GET", "/invoices/9223372036854775807", None, 404),
        ("GET", "/invoices?event_id=2147483648&client_id=9223372036854775807", None, 200),
        ("GET", "/transactions/2147483648", None, 404),
        ("GET", "/transactions?invoice_id=2147483648", None, 200),
    ],
)
def test_ids_beyond_32_bits_name_nothing(api, method, path, body, status):
    response = api.request(method, path, json=body)
    assert response.status_code == status, response.text
    if status == 422:
        assert set(response.json()["errors"]) == {"client_id", "event_id", "items.0.tax_ids.0"}
    if status == 200:
        assert response.json()["data"] == []


def test_a_line_carries_at_most_as_many_taxes_as_the_document_allows(api):
    """Lines without `tax_ids` take the team's active default taxes: more of them than an
    invoice line may carry is a 422 naming the line, not an answer longer than its schema."""
    from schedulingkit.impl.services.invoices import MAX_LINE_TAXES
    from schedulingkit.openapi import document_path

    document = yaml.safe_load(document_path().read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    assert schemas["InvoiceItem"]["properties"]["taxes"]["maxItems"] == MAX_LINE_TAXES
    client = api.create("/clients", {"name": "Ada"})
    for n in range(MAX_LINE_TAXES + 1):
        api.create("/taxes", {"name": f"Levy {n}", "rate": "1", "is_default": True})
    line = {"description": "Session", "quantity": 1, "unit_amount": 1000}
    response = api.post("/invoices", {"client_id": client["id"], "items": [line]})
    assert response.status_code == 422, response.text
    assert list(response.json()["errors"]) == ["items.0.tax_ids"]
    named = {**line, "tax_ids": []}
    assert api.post("/invoices", {"client_id": client["id"], "items": [named]}).status_code == 201
