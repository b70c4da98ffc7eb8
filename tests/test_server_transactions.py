"""Transactions through HTTP: read-only, recorded by invoices, team-scoped, filtered, ordered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bookings_helpers import all_pages, assert_filter_keeps_exactly, filter_values, sort_key
from schedulingkit.impl.data.models.billing import Transaction
from schedulingkit.openapi.contract import load_contract
from sqlalchemy import select, update

LIST_TRANSACTIONS = load_contract().operation("listTransactions")
ITEM = {"description": "Session", "quantity": 1, "unit_amount": 10000, "tax_ids": []}

# When each recorded transaction is said to have happened (set after recording, by id order),
# with ties so the id tie-break matters, and values around the filter boundaries.
PROCESSED_AT = [
    datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 15, 12, 0, 0, tzinfo=UTC),
    datetime(2026, 4, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 31, 23, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 15, 12, 0, 0, tzinfo=UTC),
    datetime(2026, 1, 10, 8, 30, 0, tzinfo=UTC),
]


@pytest.fixture
def history(api, app) -> list[dict]:
    """Payments and refunds of two clients' invoices, through several providers."""
    clients = [api.create("/clients", {"name": name}) for name in ("Ada", "Grace")]
    moves = [
        (0, [{"status": "paid", "payment": {"provider": "stripe", "provider_reference": "pi_A1"}}]),
        (
            1,
            [
                {"status": "partially_paid", "payment": {"amount": 2500, "provider": "card"}},
                {"status": "paid"},
            ],
        ),
        (0, [{"status": "paid", "payment": {"provider": "bank_transfer"}}, {"status": "refunded"}]),
        (1, [{"status": "paid", "payment": {"provider": "cash", "provider_reference": "R-77%"}}]),
        (0, [{"status": "partially_paid", "payment": {"amount": 1, "fee": 3}}, {"status": "paid"}]),
    ]
    for client_index, steps in moves:
        body = {"client_id": clients[client_index]["id"], "items": [ITEM], "status": "sent"}
        invoice = api.create("/invoices", body)
        for step in steps:
            assert api.put(f"/invoices/{invoice['id']}", step).status_code == 200, step
    with app.database.sync_engine.begin() as connection:
        ids = list(
            connection.scalars(
                select(Transaction.id)
                .where(Transaction.team_id == api.team_id)
                .order_by(Transaction.id)
            )
        )
        assert len(ids) == len(PROCESSED_AT)
        for transaction_id, moment in zip(ids, PROCESSED_AT, strict=True):
            connection.execute(
                update(Transaction)
                .where(Transaction.id == transaction_id)
                .values(processed_at=moment)
            )
    return [api.get(f"/transactions/{i}").json()["data"] for i in ids]


def test_recorded_transactions_read_back(api, history):
    first = history[0]
    assert first["type"] == "payment" and first["amount"] == 10000 and first["fee"] == 0
    assert first["provider"] == "stripe" and first["provider_reference"] == "pi_A1"
    assert first["processed_at"] == "2026-03-01T00:00:00Z"
    assert first["description"].startswith("Payment for INV-")
    refund = next(t for t in history if t["type"] == "refund")
    assert refund["provider"] == "bank_transfer"  # goes back the way it was paid
    assert refund["amount"] == 10000 and refund["description"].startswith("Refund for INV-")


def test_transactions_are_read_only(api, history):
    transaction_id = history[0]["id"]
    assert api.post("/transactions", {"type": "payment"}).status_code == 405
    assert api.put(f"/transactions/{transaction_id}", {"amount": 1}).status_code == 405
    assert api.delete(f"/transactions/{transaction_id}").status_code == 405
    assert api.get(f"/transactions/{transaction_id}").json()["data"] == history[0]


def test_another_teams_transactions_are_invisible(api, make_api, history):
    other = make_api()
    for transaction in history[:2]:
        response = other.get(f"/transactions/{transaction['id']}")
        assert response.status_code == 404
        assert set(response.json()) == {"message"}
    assert other.get("/transactions/987654").status_code == 404
    assert all_pages(other, "/transactions") == []
    assert (
        other.get("/transactions", params={"invoice_id": history[0]["invoice_id"]}).json()["data"]
        == []
    )


def test_walking_every_page_newest_first(api, history):
    expected = [t["id"] for t in sorted(history, key=sort_key(LIST_TRANSACTIONS.ordering))]
    assert expected[0] == history[4]["id"]  # 1 April
    for per_page in (1, 3, 100):
        assert [t["id"] for t in all_pages(api, "/transactions", per_page=per_page)] == expected


def candidate_values(items: list[dict], spec_filter) -> list[str]:
    return filter_values(
        items,
        spec_filter,
        search=["payment for", "REFUND", "pi_a", "%", "_", "inv-", "nothing"],
        bounds=[
            "2026-03-01",
            "2026-03-01T00:00:00Z",
            "2026-03-01T00:00:01+00:00",
            "2026-03-15T13:00:00+01:00",
            "2026-04-01",
            "2026-04-02",
        ],
    )


@pytest.mark.parametrize(
    "param",
    [f.name for f in LIST_TRANSACTIONS.filters],
)
def test_every_filter_keeps_exactly_the_matching_transactions(api, history, param):
    spec_filter = next(f for f in LIST_TRANSACTIONS.filters if f.name == param)
    values = candidate_values(history, spec_filter)
    assert_filter_keeps_exactly(
        api, "/transactions", history, LIST_TRANSACTIONS.ordering, spec_filter, values
    )


@pytest.mark.parametrize("query", ["type=chargeback", "status=done", "provider=paypal"])
def test_unknown_enum_values_are_400(api, query):
    response = api.get(f"/transactions?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [query.split("=")[0]]
