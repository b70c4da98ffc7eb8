"""Faults in resource semantics: bodies, updates and deletes."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import (
    Captured,
    JsonResponseFault,
    Passthrough,
    ResponseFault,
    call,
    read_body,
    replay_receive,
)
from .routes import document

MONEY_FIELDS = frozenset(
    {"price", "amount", "unit_amount", "fee", "discount", "subtotal", "tax_total", "total"}
    | {"amount_paid", "amount_due"}
)


def resources(document_: Any) -> list[dict[str, Any]]:
    """The resource objects of a `{"data": ...}` body (one, or the items of a page)."""
    if not isinstance(document_, dict):
        return []
    data = document_.get("data")
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return [item for item in data if isinstance(item, dict)]
    return []


class RequiredFieldDropped(JsonResponseFault):
    """A required field left out of every resource (an API resource class missing a key).

    Breaks: responses match their schema (`name` is required wherever a resource has one),
    and create answers with every field it was sent.
    Caught by: RES-001.
    """

    statuses = (200, 201)

    def __init__(self, app: ASGIApp, field: str = "name") -> None:
        super().__init__(app)
        self.field = field

    def edit(self, scope: Scope, document_: Any) -> None:
        for resource in resources(document_):
            resource.pop(self.field, None)


class MoneyAsDecimalString(JsonResponseFault):
    """Money serialized as a decimal string (`"65.00"`), as a `decimal:2` cast does.

    Breaks: money is an integer number of minor units. Applies to the named money fields.
    Caught by: RES-001.
    """

    statuses = (200, 201)

    def __init__(self, app: ASGIApp, fields: Collection[str] = MONEY_FIELDS) -> None:
        super().__init__(app)
        self.fields = frozenset(fields)

    def edit(self, scope: Scope, document_: Any) -> None:
        for resource in resources(document_):
            self._to_strings(resource)

    def _to_strings(self, node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                self._to_strings(child)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in self.fields and isinstance(value, int) and not isinstance(value, bool):
                    node[key] = f"{value / 100:.2f}"
                else:
                    self._to_strings(value)


class DeleteSwallowed(Passthrough):
    """DELETE answers 204 but deletes nothing (the handler never calls `delete()`).

    Breaks: a DELETE other than an event's removes the row: the next GET answers 404. The
    DELETE is checked as the same path's GET (so 401/403/404 stay right), and a 204 is
    answered without the server ever seeing the DELETE.
    Caught by: RES-003.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = document().match(scope["method"], scope["path"])
        if (
            operation is None
            or operation.method != "DELETE"
            or operation.operation_id == "cancelEvent"
        ):
            await self.app(scope, receive, send)
            return
        probe = await call(self.app, {**scope, "method": "GET"})
        if probe.status == 200:
            probe.status, probe.body = 204, b""
            probe.drop_header("content-type")
        await probe.send_to(send)


class CancelDeletesEvent(ResponseFault):
    """Cancelling an event answers 204 with no body, like the other DELETEs.

    Breaks: `DELETE /events/{id}` cancels: 200 with the event, its status `cancelled`.
    Caught by: RES-003.
    """

    def applies(self, scope: Scope) -> bool:
        operation = document().match(scope["method"], scope["path"])
        return operation is not None and operation.operation_id == "cancelEvent"

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 200:
            response.status, response.body = 204, b""
            response.drop_header("content-type")
        return response


class UnknownFieldsAccepted(Passthrough):
    """Unknown body fields silently dropped (`$request->only(...)`) instead of refused.

    Breaks: unknown body fields are rejected with 422, so typos never pass silently.
    Caught by: RES-004.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        operation = document().match(scope["method"], scope["path"])
        known = document().request_properties(operation) if operation else None
        if known is not None:
            body = _edit_json(body, lambda obj: {k: v for k, v in obj.items() if k in known})
        await self.app(scope, replay_receive(body), send)


class UpdateReplaces(Passthrough):
    """PUT treated as a full replacement: nullable fields left out are set to null.

    Breaks: `PUT` is a partial update; fields left out keep their values. Applies to the
    named update operations (one controller's bug, not the framework's).
    Caught by: RES-002.
    """

    def __init__(self, app: ASGIApp, operation_ids: Collection[str]) -> None:
        super().__init__(app)
        self.operation_ids = frozenset(operation_ids)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        operation = document().match(scope["method"], scope["path"])
        if operation is not None and operation.operation_id in self.operation_ids:
            schema = document().request_schema(operation) or {}
            nullable = [
                name
                for name, prop in schema.get("properties", {}).items()
                if document().resolve(prop).get("nullable")
            ]
            body = _edit_json(body, lambda obj: {**dict.fromkeys(nullable), **obj})
        await self.app(scope, replay_receive(body), send)


def _edit_json(body: bytes, change: Any) -> bytes:
    """`change(obj)` applied to a JSON object body; anything else is left as it is."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    if not isinstance(parsed, dict):
        return body
    return json.dumps(change(parsed)).encode()


class FieldNotSaved(Passthrough):
    """A field accepted but never stored (missing from the model's `$fillable`).

    Breaks: create and update keep every sent field. The field is removed from create and
    update bodies before the server sees them, so it reads back as null (or its default).
    Caught by: RES-001.
    """

    def __init__(self, app: ASGIApp, field: str = "notes") -> None:
        super().__init__(app)
        self.field = field

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        if scope["method"] in ("POST", "PUT"):
            body = _edit_json(body, lambda obj: {k: v for k, v in obj.items() if k != self.field})
        await self.app(scope, replay_receive(body), send)


class ReadOnlyFieldsIgnored(Passthrough):
    """Read-only fields in a body (`id`, `created_at`, `total`...) silently dropped.

    Breaks: a read-only field in a request body answers 422 naming it.
    Caught by: RES-005.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        operation = document().match(scope["method"], scope["path"])
        if operation is not None and operation.method in ("POST", "PUT"):
            read_only = {
                name
                for name, prop in document().item_properties(operation).items()
                if prop.get("readOnly")
            }
            body = _edit_json(
                body, lambda obj: {k: v for k, v in obj.items() if k not in read_only}
            )
        await self.app(scope, replay_receive(body), send)


class DiscountIgnored(JsonResponseFault):
    """Invoice totals computed without the discount.

    Breaks: `total = subtotal - discount + tax_total` and `amount_due = total - amount_paid`,
    computed by the server.
    Caught by: RES-007.
    """

    statuses = (200, 201)

    def applies(self, scope: Scope) -> bool:
        return scope["path"].startswith(f"{document().base_path}/invoices")

    def edit(self, scope: Scope, document_: Any) -> None:
        for invoice in resources(document_):
            discount = invoice.get("discount")
            if isinstance(discount, int) and discount and isinstance(invoice.get("total"), int):
                invoice["total"] += discount
                if isinstance(invoice.get("amount_due"), int):
                    invoice["amount_due"] += discount


class PaymentsNotRecorded(ResponseFault):
    """Marking an invoice paid records no payment transaction (shown by hiding payments).

    Breaks: moving an invoice to paid or partially paid records a payment transaction.
    Payment transactions are left out of transaction lists and answer 404 by id.
    Caught by: RES-008.
    """

    def applies(self, scope: Scope) -> bool:
        return scope["path"].startswith(f"{document().base_path}/transactions")

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status != 200 or not response.is_json:
            return response
        body = response.json()
        data = body.get("data")
        if isinstance(data, dict) and data.get("type") == "payment":
            response.status = 404
            response.set_json({"message": "Not Found."})
        elif isinstance(data, list):
            kept = [t for t in data if not (isinstance(t, dict) and t.get("type") == "payment")]
            body["meta"]["total"] -= len(data) - len(kept)
            body["data"] = kept
            response.set_json(body)
        return response


class NoLocation(ResponseFault):
    """A create answered `201` without `Location` (the controller returns the resource and
    never sets the header).

    Breaks: REQ-RES-09, every `201` carries a `Location` naming the created record.
    Caught by: RES-001.
    """

    async def rewrite(self, scope: Scope, response: Captured) -> Captured:
        if response.status == 201:
            response.drop_header("location")
        return response
