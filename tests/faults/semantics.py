"""Faults that keep every response well-shaped and self-consistent but wrong in meaning: only
a suite that recomputes what to expect, or reads a change back elsewhere, can see them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import Captured, JsonResponseFault, Passthrough, capture
from .pagination import is_page
from .resources import resources
from .routes import document


def _operation_id(scope: Scope) -> str | None:
    operation = document().match(scope["method"], scope["path"])
    return operation.operation_id if operation is not None else None


class DstIgnored(JsonResponseFault):
    """Occurrences expanded at a fixed UTC offset (the first one's), as a hand-written loop
    that adds 24 hours does: after a DST change they drift an hour off the wall-clock time.

    Breaks: REQ-DOM-01, occurrences keep the event's wall-clock time in its own time zone.
    The answer stays well-formed and ordered; only the instants after the change move.
    Caught by: RES-006.
    """

    statuses = (200,)

    def applies(self, scope: Scope) -> bool:
        return _operation_id(scope) == "listEventOccurrences"

    def edit(self, scope: Scope, document_: Any) -> None:
        items = [i for i in resources(document_) if isinstance(i.get("starts_at"), str)]
        if not items:
            return
        zone = ZoneInfo(str(items[0].get("timezone") or "UTC"))
        first = _instant(items[0]["starts_at"]).astimezone(zone).utcoffset()
        for item in items:
            for key in ("starts_at", "ends_at"):
                if isinstance(item.get(key), str):
                    moment = _instant(item[key])
                    drift = moment.astimezone(zone).utcoffset() - first  # type: ignore[operator]
                    item[key] = (moment + drift).strftime("%Y-%m-%dT%H:%M:%SZ")


class FirstOccurrenceFolded(JsonResponseFault):
    """A local time that occurs twice is read as its first instance everywhere, the series'
    own start included (an expansion that re-reads the start from its wall-clock time): a
    series starting at the second 02:30 of a fall-back night lists its first occurrence an
    hour before the event starts.

    Breaks: REQ-DOM-07, the first occurrence is the event's own `starts_at`, also the second
    of two identical local times. Every other occurrence is unchanged.
    Caught by: RES-006.
    """

    statuses = (200,)

    def applies(self, scope: Scope) -> bool:
        return _operation_id(scope) == "listEventOccurrences"

    def edit(self, scope: Scope, document_: Any) -> None:
        for item in resources(document_):
            if not isinstance(item.get("starts_at"), str) or not item.get("timezone"):
                continue
            zone = ZoneInfo(str(item["timezone"]))
            local = _instant(item["starts_at"]).astimezone(zone)
            first = local.replace(fold=0)
            if local.fold == 0 or first.utcoffset() == local.utcoffset():
                continue  # not the second of two identical local times
            shift = first.astimezone(UTC) - local.astimezone(UTC)
            for key in ("starts_at", "ends_at"):
                if isinstance(item.get(key), str):
                    moved = _instant(item[key]) + shift
                    item[key] = moved.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            item["local_starts_at"] = first.isoformat()


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class InclusiveTaxAsExclusive(JsonResponseFault):
    """Inclusive taxes computed as exclusive ones (added on top of the price), the invoice
    kept consistent with itself: its snapshot says `inclusive: false` and every total adds up.

    Breaks: REQ-DOM-02, an inclusive tax is `amount - amount / (1 + rate / 100)`, inside the
    line amount. Only a suite that recomputes the invoice from the taxes it created sees it.
    Caught by: RES-007.
    """

    statuses = (200, 201)

    def applies(self, scope: Scope) -> bool:
        return scope["path"].startswith(f"{document().base_path}/invoices")

    def edit(self, scope: Scope, document_: Any) -> None:
        for invoice in resources(document_):
            if isinstance(invoice.get("items"), list):
                _as_exclusive(invoice)


def _as_exclusive(invoice: dict[str, Any]) -> None:
    subtotal = tax_total = 0
    for item in invoice["items"]:
        amount = item.get("amount", 0)
        for tax in item.get("taxes") or []:
            if tax.get("inclusive"):
                tax["inclusive"] = False
                tax["amount"] = _half_up(Decimal(amount) * Decimal(str(tax["rate"])) / 100)
            tax_total += tax.get("amount", 0)
        subtotal += amount
    invoice["subtotal"], invoice["tax_total"] = subtotal, tax_total
    invoice["total"] = subtotal + tax_total - invoice.get("discount", 0)
    if invoice.get("status") not in ("cancelled", "refunded"):
        invoice["amount_due"] = invoice["total"] - invoice.get("amount_paid", 0)


class StaleStatusInLists(Passthrough):
    """Lists show each event's and invoice's status as it was created, as a search index or
    list cache that is never told of status changes would.

    Breaks: REQ-RES-08, a change shows in every route that shows the record. Reads by id are
    right; in lists, a cancelled event still reads `confirmed`, a refunded invoice `paid`.
    Caught by: RES-009.
    """

    LISTS = {"listEvents": "createEvent", "listInvoices": "createInvoice"}

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.created: dict[tuple[str, int], Any] = {}  # (create operation, id) -> status

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = _operation_id(scope)
        response = await capture(self.app, scope, receive)
        if response.is_json and response.status in (200, 201):
            self._remember_or_rewrite(operation_id, response)
        await response.send_to(send)

    def _remember_or_rewrite(self, operation_id: str | None, response: Captured) -> None:
        body = response.json()
        if operation_id in self.LISTS.values() and response.status == 201:
            for record in resources(body):
                self.created[(operation_id, record.get("id"))] = record.get("status")
        elif operation_id in self.LISTS and is_page(body):
            create = self.LISTS[operation_id]
            for record in resources(body):
                key = (create, record.get("id"))
                if key in self.created:
                    record["status"] = self.created[key]
            response.set_json(body)


class RefundNotRecorded(JsonResponseFault):
    """Refunding an invoice records no refund transaction (the provider call is made, the
    ledger row is not): the invoice says refunded, its transactions show only payments.

    Breaks: REQ-DOM-03, moving an invoice to `refunded` records a `refund` transaction.
    Caught by: RES-009.
    """

    statuses = (200,)

    def applies(self, scope: Scope) -> bool:
        return scope["path"].startswith(f"{document().base_path}/transactions")

    def edit(self, scope: Scope, document_: Any) -> None:
        data = document_.get("data") if isinstance(document_, dict) else None
        if isinstance(data, list):
            kept = [t for t in data if not (isinstance(t, dict) and t.get("type") == "refund")]
            if len(kept) != len(data):
                document_["meta"]["total"] -= len(data) - len(kept)
                document_["data"] = kept


class LinksDropPerPage(JsonResponseFault):
    """Page links keep the filters but not `per_page` (built from the filter list only), so
    a client that follows `links.next` gets pages of the default size.

    Breaks: REQ-PAGE-03, followed, a link answers the page it names. The link still names the
    right page number and keeps every filter.
    Caught by: PAGE-003.
    """

    statuses = (200,)

    def edit(self, scope: Scope, document_: Any) -> None:
        if not is_page(document_) or not isinstance(document_.get("links"), dict):
            return
        links = document_["links"]
        for name, url in links.items():
            if isinstance(url, str):
                parts = urlsplit(url)
                kept = [
                    (k, v)
                    for k, v in parse_qsl(parts.query, keep_blank_values=True)
                    if k != "per_page"
                ]
                links[name] = urlunsplit(parts._replace(query=urlencode(kept)))
