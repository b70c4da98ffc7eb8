"""Invoice status transitions through HTTP and the payment/refund transactions they record
(checked in the database and through `/transactions`)."""

from __future__ import annotations

import pytest
from schedulingkit.impl.data.models.billing import Invoice, Transaction
from schedulingkit.impl.domain.invoicing import STATUSES, TRANSITIONS
from schedulingkit.impl.services import transactions as transactions_service
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app
from sqlalchemy import select


@pytest.fixture
def invoice(api) -> dict:
    """A draft of the document's example: 2 x 6500 + VAT 20% - 600 = 15000."""
    vat = api.create("/taxes", {"name": "VAT 20%", "rate": "20.00"})
    client = api.create("/clients", {"name": "Ada"})
    body = {
        "client_id": client["id"],
        "discount": 600,
        "items": [
            {"description": "Session", "quantity": 2, "unit_amount": 6500, "tax_ids": [vat["id"]]}
        ],
    }
    created = api.create("/invoices", body)
    assert created["total"] == 15000
    return created


def recorded(app, team_id: int, invoice_id: int) -> list[tuple]:
    """The invoice's transactions in the database, oldest first."""
    columns = (Transaction.type, Transaction.amount, Transaction.fee, Transaction.provider)
    statement = (
        select(*columns, Transaction.provider_reference)
        .where(Transaction.team_id == team_id, Transaction.invoice_id == invoice_id)
        .order_by(Transaction.id)
    )
    with app.database.sync_engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement)]


PAY_5000 = {"amount": 5000, "fee": 175, "provider": "stripe", "provider_reference": "pi_1"}

FLOWS = [
    pytest.param(
        [
            ({"status": "sent"}, 200, "sent", 0, 15000),
            ({"status": "partially_paid", "payment": PAY_5000}, 200, "partially_paid", 5000, 10000),
            (
                {"status": "partially_paid", "payment": {"amount": 3000, "provider": "card"}},
                200,
                "partially_paid",
                8000,
                7000,
            ),
            ({"status": "paid"}, 200, "paid", 15000, 0),
            ({"status": "refunded"}, 200, "refunded", 0, 0),
        ],
        [
            ("payment", 5000, 175, "stripe", "pi_1"),
            ("payment", 3000, 0, "card", None),
            ("payment", 7000, 0, "cash", None),
            ("refund", 15000, 0, "cash", None),
        ],
        id="partial-partial-rest-then-refund",
    ),
    pytest.param(
        [
            ({"status": "sent"}, 200, "sent", 0, 15000),
            ({"status": "overdue"}, 200, "overdue", 0, 15000),
            (
                {"status": "paid", "payment": {"amount": 15000, "provider": "bank_transfer"}},
                200,
                "paid",
                15000,
                0,
            ),
            ({"status": "paid"}, 200, "paid", 15000, 0),  # asking again records nothing
        ],
        [("payment", 15000, 0, "bank_transfer", None)],
        id="overdue-then-paid-in-full",
    ),
    pytest.param(
        [
            ({"status": "sent"}, 200, "sent", 0, 15000),
            (
                {"status": "partially_paid", "payment": {"amount": 100}},
                200,
                "partially_paid",
                100,
                14900,
            ),
            ({"status": "overdue"}, 200, "overdue", 100, 14900),
            ({"status": "refunded"}, 422, "overdue", 100, 14900),
            (
                {"status": "partially_paid", "payment": {"amount": 900}},
                200,
                "partially_paid",
                1000,
                14000,
            ),
            ({"status": "refunded"}, 200, "refunded", 0, 0),
        ],
        [
            ("payment", 100, 0, "cash", None),
            ("payment", 900, 0, "cash", None),
            ("refund", 1000, 0, "cash", None),
        ],
        id="refund-of-a-partial-payment",
    ),
    pytest.param(
        [
            ({"status": "paid"}, 422, "draft", 0, 15000),
            ({"status": "sent", "payment": {"amount": 1}}, 422, "draft", 0, 15000),
            ({"status": "cancelled"}, 200, "cancelled", 0, 0),
            ({"status": "sent"}, 422, "cancelled", 0, 0),
            ({"status": "draft"}, 422, "cancelled", 0, 0),
        ],
        [],
        id="draft-cannot-be-paid-cancelled-is-final",
    ),
    pytest.param(
        [
            ({"status": "sent"}, 200, "sent", 0, 15000),
            ({"status": "paid", "payment": {"amount": 14999}}, 422, "sent", 0, 15000),
            ({"status": "partially_paid"}, 422, "sent", 0, 15000),
            ({"status": "partially_paid", "payment": {"amount": 15000}}, 422, "sent", 0, 15000),
            ({"payment": {"amount": 10}}, 422, "sent", 0, 15000),
            ({"status": "refunded"}, 422, "sent", 0, 15000),
        ],
        [],
        id="payment-rules",
    ),
]


@pytest.mark.parametrize(("steps", "transactions"), FLOWS)
def test_status_flow_and_the_transactions_it_records(api, app, invoice, steps, transactions):
    path = f"/invoices/{invoice['id']}"
    for body, code, status, paid, due in steps:
        response = api.put(path, body)
        assert response.status_code == code, (body, response.text)
        current = api.get(path).json()["data"]
        assert (current["status"], current["amount_paid"], current["amount_due"]) == (
            status,
            paid,
            due,
        ), body
        assert current["total"] == 15000
        if code == 422:
            assert response.json()["errors"]
    assert recorded(app, api.team_id, invoice["id"]) == transactions
    listed = api.get("/transactions", params={"invoice_id": invoice["id"]}).json()["data"]
    assert [(t["type"], t["amount"], t["fee"], t["provider"]) for t in reversed(listed)] == [
        t[:4] for t in transactions
    ]
    for t in listed:
        assert t["client_id"] == invoice["client_id"]
        assert t["currency"] == invoice["currency"]
        assert t["status"] == "succeeded"
        kind = "Payment" if t["type"] == "payment" else "Refund"
        assert t["description"] == f"{kind} for {invoice['number']}"


def test_paid_at_is_set_when_fully_paid(api, invoice):
    path = f"/invoices/{invoice['id']}"
    api.put(path, {"status": "sent"})
    partial = api.put(path, {"status": "partially_paid", "payment": {"amount": 1}}).json()["data"]
    assert partial["paid_at"] is None
    paid = api.put(path, {"status": "paid"}).json()["data"]
    assert paid["paid_at"] is not None
    assert api.put(path, {"status": "refunded"}).json()["data"]["paid_at"] == paid["paid_at"]


def reach(api, path: str, status: str) -> None:
    """Move a fresh draft to `status` along allowed transitions."""
    steps = {
        "draft": [],
        "sent": [{"status": "sent"}],
        "overdue": [{"status": "sent"}, {"status": "overdue"}],
        "partially_paid": [
            {"status": "sent"},
            {"status": "partially_paid", "payment": {"amount": 1}},
        ],
        "paid": [{"status": "sent"}, {"status": "paid"}],
        "cancelled": [{"status": "cancelled"}],
        "refunded": [{"status": "sent"}, {"status": "paid"}, {"status": "refunded"}],
    }[status]
    for body in steps:
        assert api.put(path, body).status_code == 200, body


@pytest.mark.parametrize("current", STATUSES)
def test_every_move_is_allowed_exactly_when_the_graph_says(api, app, invoice, current):
    client_id = invoice["client_id"]
    for target in STATUSES:
        fresh = api.create(
            "/invoices",
            {
                "client_id": client_id,
                "items": [{"description": "x", "quantity": 1, "unit_amount": 500}],
            },
        )
        path = f"/invoices/{fresh['id']}"
        reach(api, path, current)
        before = recorded(app, api.team_id, fresh["id"])
        body = {"status": target}
        if target == "partially_paid":
            body["payment"] = {"amount": 1}
        response = api.put(path, body)
        moves = target in TRANSITIONS[current]
        stays = target == current and target != "partially_paid"
        assert response.status_code == (200 if moves or stays else 422), (current, target)
        after = api.get(path).json()["data"]
        assert after["status"] == (target if moves else current)
        new = recorded(app, api.team_id, fresh["id"])[len(before) :]
        if moves and target in ("paid", "partially_paid"):
            assert [t[0] for t in new] == ["payment"]
        elif moves and target == "refunded":
            assert [t[0] for t in new] == ["refund"]
        else:
            assert new == []


def test_status_change_and_transaction_are_one_database_transaction(
    api, app, database_url, invoice, monkeypatch, stored
):
    path = f"/invoices/{invoice['id']}"
    api.put(path, {"status": "sent"})
    original = transactions_service.record_transaction

    async def record_then_fail(db, **recorded_fields):
        # the payment row and the new status reach the database...
        await original(db, **recorded_fields)
        raise RuntimeError("the payment provider hung up")  # ...and then the request fails

    monkeypatch.setattr(transactions_service, "record_transaction", record_then_fail)
    failing_app = create_app(Settings(database_url=database_url, rate_limit="1000/minute"))
    with failing_app.test_client(raise_server_exceptions=False) as client:
        response = client.put(f"/api/v1{path}", json={"status": "paid"}, headers=api.headers)
    assert response.status_code == 500
    assert response.json() == {"message": "Server Error"}
    columns = (Invoice.status, Invoice.amount_paid, Invoice.paid_at)
    assert stored(select(*columns).where(Invoice.id == invoice["id"])) == [("sent", 0, None)]
    assert recorded(app, api.team_id, invoice["id"]) == []
