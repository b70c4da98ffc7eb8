"""RES-009: the effects of a change show in every route that shows the changed record.

Each change is made on the suite's own records, found by id; what must follow from it is
recomputed by the suite (a refund refunds what was paid, a tax rate change leaves the invoices
that used the old rate alone), and then read back through the record's own route, the lists it
appears in, and the records that embed it (an invoice's transactions).
"""

from __future__ import annotations

from typing import Any

from schedulingkit.conformance.catalogue import CRITICAL, WRITE, rule
from schedulingkit.conformance.checks import validation_problems
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext
from schedulingkit.conformance.fixtures import Created
from schedulingkit.conformance.probes import walk
from schedulingkit.conformance.rules.resources import throwaway_body

VOLATILE = ("updated_at",)  # may move between two reads of an unchanged record


def _data(exchange: Exchange) -> dict[str, Any]:
    return exchange.data if isinstance(exchange.data, dict) else {}


def listed(ctx: RuleContext, collection: str, record_id: int) -> tuple[dict | None, Exchange]:
    """The record as the collection's list shows it, found among the suite's marked records by
    its id (the marker search narrows the walk; a record missing from it is FILT-002's)."""
    op = ctx.contract.find("GET", collection)
    assert op is not None
    result = walk(ctx.api, op, collection, {"search": ctx.state.marker})
    item = next((i for i in result.items if i.get("id") == record_id), None)
    return item, result.pages[-1]


def same_everywhere(ctx: RuleContext, collection: str, record_id: int, what: str) -> dict[str, Any]:
    """Read the record by id and in its list; both must show the same representation."""
    read = ctx.api.get(f"{collection}/{record_id}", operation=f"GET {collection}/{{id}}")
    data = _data(read)
    ctx.expect(read.status == 200, f"GET {collection}/{{id}}", f"{what}: {read.describe()}", read)
    item, page = listed(ctx, collection, record_id)
    if item is not None:
        stale = sorted(
            k for k, v in data.items() if k not in VOLATILE and k in item and item[k] != v
        )
        ctx.expect(
            not stale,
            f"GET {collection}",
            f"{what}: the list shows {collection}/{record_id} with other values than its own "
            f"route for {stale}: list {[item.get(k) for k in stale]}, "
            f"read {[data.get(k) for k in stale]}",
            page,
        )
    return data


def _transactions(ctx: RuleContext, invoice_id: int) -> tuple[list[dict], Exchange]:
    op = ctx.contract.find("GET", "/transactions")
    assert op is not None
    answer = ctx.api.get(
        op.path,
        params={"invoice_id": invoice_id, "per_page": op.paging.max_per_page},
        operation=op.label,
    )
    rows = answer.data if isinstance(answer.data, list) else []
    return [r for r in rows if isinstance(r, dict)], answer


def _cancel_event(ctx: RuleContext) -> None:
    events = ctx.fixtures.records("/events")
    single = [r for r in events if not r.body.get("recurrence")]
    if not single:
        return
    record = ctx.fixtures.create("/events", throwaway_body(single[0]), read=False)
    answer = ctx.api.delete(record.path, operation="DELETE /events/{id}")
    if not ctx.expect(answer.status == 200, "DELETE /events/{id}", answer.describe(), answer):
        return
    data = same_everywhere(ctx, "/events", record.id, "after a cancel")
    ctx.expect(
        data.get("status") == "cancelled",
        "GET /events/{id}",
        f"after a cancel the event's status is {data.get('status')!r}",
        answer,
    )


def _update_client(ctx: RuleContext) -> None:
    clients = ctx.fixtures.records("/clients")
    if len(clients) < 2:
        return
    record = clients[1]  # a planned record (later ones may be copies other rules deleted)
    value = f"{ctx.state.marker} renamed"
    answer = ctx.api.put(record.path, {"notes": value}, operation="PUT /clients/{id}")
    if ctx.expect(answer.status == 200, "PUT /clients/{id}", answer.describe(), answer):
        data = same_everywhere(ctx, "/clients", record.id, "after an update")
        ctx.expect(
            data.get("notes") == value,
            "GET /clients/{id}",
            f"after an update notes is {data.get('notes')!r}",
            answer,
        )


def _paid_invoice(ctx: RuleContext) -> Created | None:
    for record in ctx.fixtures.records("/invoices"):
        read = ctx.api.get(record.path, operation="GET /invoices/{id}")
        if _data(read).get("status") == "paid":
            return record
    return None


def _refund(ctx: RuleContext) -> None:
    record = _paid_invoice(ctx)
    if record is None:
        return
    before = same_everywhere(ctx, "/invoices", record.id, "a paid invoice")
    paid = before.get("amount_paid")
    payments, _ = _transactions(ctx, record.id)
    answer = ctx.api.put(record.path, {"status": "refunded"}, operation="PUT /invoices/{id}")
    if not ctx.expect(answer.status == 200, "PUT /invoices/{id}", answer.describe(), answer):
        return
    after = same_everywhere(ctx, "/invoices", record.id, "after a refund")
    for key, want in (("status", "refunded"), ("amount_paid", 0), ("amount_due", 0)):
        ctx.expect(
            after.get(key) == want,
            "GET /invoices/{id}",
            f"after a refund {key} is {after.get(key)!r}, expected {want!r}",
            answer,
        )
    rows, listing = _transactions(ctx, record.id)
    refunds = [r for r in rows if r.get("type") == "refund" and r.get("amount") == paid]
    if not ctx.expect(
        len(refunds) == 1 and len(rows) == len(payments) + 1,
        "GET /transactions",
        f"after refunding invoice {record.id} (paid {paid}) its transactions are "
        f"{[(r.get('type'), r.get('amount')) for r in rows]}: expected one more, a refund of "
        f"{paid}",
        listing,
    ):
        return
    for row in rows:  # each transaction as listed and as read by id, tied to the invoice
        read = ctx.api.get(f"/transactions/{row['id']}", operation="GET /transactions/{id}")
        ctx.expect(
            _data(read) == row,
            "GET /transactions/{id}",
            f"transaction {row['id']} reads differently than it is listed",
            read,
        )
        ctx.expect(
            row.get("client_id") == after.get("client_id")
            and row.get("currency") == after.get("currency"),
            "GET /transactions/{id}",
            f"transaction {row['id']} of invoice {record.id} has client {row.get('client_id')} "
            f"and currency {row.get('currency')}, the invoice {after.get('client_id')} and "
            f"{after.get('currency')}",
            read,
        )


def _tax_change_keeps_snapshots(ctx: RuleContext) -> None:
    taxes = ctx.fixtures.records("/taxes")
    invoices = [
        r
        for r in ctx.fixtures.records("/invoices")
        if taxes and any(taxes[0].id in (i.get("tax_ids") or []) for i in r.body.get("items", []))
    ]
    if not invoices:
        return
    tax, invoice = taxes[0], invoices[0]
    before = _data(ctx.api.get(invoice.path, operation="GET /invoices/{id}"))
    answer = ctx.api.put(tax.path, {"rate": "21.00"}, operation="PUT /taxes/{id}")
    try:
        if not ctx.expect(answer.status == 200, "PUT /taxes/{id}", answer.describe(), answer):
            return
        after = ctx.api.get(invoice.path, operation="GET /invoices/{id}")
        changed = [
            k
            for k in ("items", "subtotal", "tax_total", "total", "amount_due")
            if _data(after).get(k) != before.get(k)
        ]
        ctx.expect(
            not changed,
            "GET /invoices/{id}",
            f"changing tax {tax.id}'s rate changed invoice {invoice.id}'s {changed}: an invoice "
            "keeps the rates it used",
            after,
        )
    finally:
        ctx.api.put(tax.path, {"rate": tax.body["rate"]}, operation="PUT /taxes/{id}")


def _refused_changes(ctx: RuleContext) -> None:
    """Items of an invoice that is no longer a draft, and a move back to draft, are refused
    and change nothing."""
    for record in ctx.fixtures.records("/invoices"):
        before = _data(ctx.api.get(record.path, operation="GET /invoices/{id}"))
        if before.get("status") in (None, "draft"):
            continue
        attempts = [
            ({"items": [{"description": "x", "quantity": 1, "unit_amount": 1}]}, "items"),
            ({"status": "draft"}, "status"),
        ]
        for body, field_name in attempts:
            answer = ctx.api.put(record.path, body, operation="PUT /invoices/{id}")
            for problem in validation_problems(answer, 422, [field_name]):
                ctx.fail(
                    "PUT /invoices/{id}",
                    f"{field_name} of a {before['status']} invoice: {problem}",
                    answer,
                )
        after = _data(ctx.api.get(record.path, operation="GET /invoices/{id}"))
        ctx.expect(
            {k: v for k, v in after.items() if k not in VOLATILE}
            == {k: v for k, v in before.items() if k not in VOLATILE},
            "PUT /invoices/{id}",
            f"refused changes changed invoice {record.id}",
            None,
        )
        return


@rule(
    "RES-009",
    "Changes show everywhere: a cancelled event, an updated client and a refunded invoice "
    "read the same by id and in their lists, the refund is among the invoice's transactions "
    "(each read by id), a tax rate change leaves invoices alone, and refused invoice changes "
    "change nothing",
    verifies=["REQ-RES-08", "REQ-DOM-03", "REQ-DOM-04", "REQ-DOM-05"],
    severity=CRITICAL,
    needs=[WRITE],
)
def state_changes(ctx: RuleContext) -> None:
    _cancel_event(ctx)
    _update_client(ctx)
    _tax_change_keeps_snapshots(ctx)
    _refused_changes(ctx)
    _refund(ctx)
