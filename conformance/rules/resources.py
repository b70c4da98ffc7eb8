"""RES: create, read, partial update, delete (or cancel) behave as the contract says.

Collections come from the document: a path with POST whose `{id}` path has GET. What to send
comes from the suite's fixtures, so a new collection needs only a fixture body.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from dateutil import rrule
from schedulingkit.conformance.catalogue import CRITICAL, MAJOR, WRITE, rule
from schedulingkit.conformance.checks import parse_instant, validation_problems
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext
from schedulingkit.conformance.contract import Operation
from schedulingkit.conformance.fixtures import Created
from schedulingkit.conformance.probes import walk

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
UNKNOWN_FIELD = "sk_conformance_unknown_field"


def collections(ctx: RuleContext) -> list[tuple[str, Operation]]:
    """(collection path, its create operation) for every creatable collection."""
    found = []
    for op in ctx.contract.operations:
        if op.method == "POST" and ctx.contract.find("GET", f"{op.path}/{{id}}"):
            found.append((op.path, op))
    return found


def same(sent: Any, got: Any) -> bool:
    """Whether the deployment kept a sent value (instants, decimals and nested parts compared
    by meaning, keys the answer does not have ignored: they are write-only inputs)."""
    if isinstance(sent, dict) and isinstance(got, dict):
        return all(same(v, got[k]) for k, v in sent.items() if k in got)
    if isinstance(sent, list) and isinstance(got, list):
        return len(sent) == len(got) and all(same(a, b) for a, b in zip(sent, got, strict=True))
    if isinstance(sent, str) and isinstance(got, str):
        a, b = parse_instant(sent), parse_instant(got)
        if a and b:
            return a == b
        if NUMBER.match(sent) and NUMBER.match(got):
            return Decimal(sent) == Decimal(got)
    return sent == got and type(sent) is type(got)


def echo_problems(sent: dict[str, Any], data: Any, schema: dict[str, Any] | None) -> list[str]:
    """Sent fields (those the representation has) that came back changed."""
    if not isinstance(data, dict):
        return ["the answer has no `data` object"]
    props = (schema or {}).get("properties", {})
    return [
        f"{key}: sent {value!r}, got {data.get(key)!r}"
        for key, value in sent.items()
        if key in props and not same(value, data.get(key))
    ]


def _get(ctx: RuleContext, path: str) -> Exchange:
    return ctx.api.get(path, operation=re.sub(r"/\d+", "/{id}", "GET " + path))


def _first(ctx: RuleContext, collection: str) -> Created:
    records = ctx.fixtures.records(collection)
    if not records:
        ctx.skip(f"no fixture in {collection}")
    return records[0]


def location_problems(exchange: Exchange, record_path: str) -> list[str]:
    """A 201's `Location`: an absolute URL naming the created record (`.../clients/7`); on
    which origin is WIRE-004's to judge."""
    location = exchange.headers.get("location")
    if location is None:
        return [f"no Location header (expected the URL of {record_path})"]
    try:
        url = httpx.URL(location)
    except httpx.InvalidURL:
        url = None
    if url is None or not url.is_absolute_url or not url.path.endswith(record_path):
        return [f"Location is {location!r}, not the absolute URL of {record_path}"]
    return []


@rule(
    "RES-001",
    "Create answers 201 with {data} keeping every sent field and a Location naming the new "
    "record, and a read returns the same representation",
    verifies=["REQ-RES-01", "REQ-WIRE-04", "REQ-RES-09"],
    severity=CRITICAL,
    needs=[WRITE],
)
def create_then_read(ctx: RuleContext) -> None:
    for collection, op in collections(ctx):
        for record in ctx.fixtures.records(collection):
            for problem in echo_problems(record.body, record.exchange.data, op.item_schema):
                ctx.fail(op.label, f"create: {problem}", record.exchange)
            for problem in location_problems(record.exchange, record.path):
                ctx.fail(op.label, f"create: {problem}", record.exchange)
            ctx.checked()
            read = record.read or _get(ctx, record.path)
            if ctx.expect(
                read.status == 200,
                f"GET {collection}/{{id}}",
                f"reading what was created: {read.describe()}",
                read,
            ):
                for problem in echo_problems(record.body, read.data, op.item_schema):
                    ctx.fail(f"GET {collection}/{{id}}", f"read after create: {problem}", read)


def update_field(op: Operation) -> str | None:
    """A plain text field of the update schema to change."""
    for name, prop in ((op.request_schema or {}).get("properties") or {}).items():
        plain = prop.get("type") == "string" and not (
            prop.get("enum") or prop.get("pattern") or prop.get("format")
        )
        if plain and name not in ("timezone", "slug", "description"):
            return name
    return None


def _partial_update(ctx: RuleContext, op: Operation, path: str) -> None:
    name = update_field(op)
    if name is None:
        return
    before = _get(ctx, path)
    if not ctx.expect(
        before.status == 200, op.label, f"read before update: {before.describe()}", before
    ):
        return
    value = f"{ctx.state.marker} updated"
    answer = ctx.api.put(path, {name: value}, operation=op.label)
    if not ctx.expect(
        answer.status == 200, op.label, f"PUT {{{name!r}: ...}}: {answer.describe()}", answer
    ):
        return
    after = _get(ctx, path)
    for label, exchange in (("update answer", answer), ("read after update", after)):
        data = exchange.data if isinstance(exchange.data, dict) else {}
        ctx.expect(
            data.get(name) == value,
            op.label,
            f"{label}: {name} is {data.get(name)!r}, sent {value!r}",
            exchange,
        )
        changed = [
            k
            for k, v in (before.data or {}).items()
            if k not in (name, "updated_at") and data.get(k) != v
        ]
        ctx.expect(not changed, op.label, f"{label}: fields left out changed: {changed}", exchange)


@rule(
    "RES-002",
    "PUT is a partial update: the sent field changes, every field left out keeps "
    "its value, a read shows the same",
    verifies=["REQ-RES-02"],
    severity=CRITICAL,
    needs=[WRITE],
)
def partial_update(ctx: RuleContext) -> None:
    for collection, _ in collections(ctx):
        op = ctx.contract.find("PUT", f"{collection}/{{id}}")
        if op is not None:
            _partial_update(ctx, op, _first(ctx, collection).path)
    team_op = ctx.contract.find("PUT", "/team")
    if team_op is not None:
        team = ctx.state.cache.get("team") or {}
        name = update_field(team_op)
        if name and name in team:
            ctx.fixtures.original_team = {name: team[name]}
            try:
                _partial_update(ctx, team_op, "/team")
            finally:
                ctx.api.put("/team", {name: team[name]}, operation=team_op.label)


_COPIES = itertools.count(1)


def throwaway_body(record: Created) -> dict[str, Any]:
    """A copy of a fixture's body with unique names, to create a record a rule may spend."""
    body = dict(record.body)
    suffix = f"-copy{next(_COPIES)}"
    for key in ("slug", "name", "title"):
        if isinstance(body.get(key), str):
            body[key] = body[key] + suffix
    return body


@rule(
    "RES-003",
    "DELETE removes (204, no body; then 404) — or, where the document answers "
    "200, cancels: status cancelled and still readable",
    verifies=["REQ-RES-03", "REQ-RES-04"],
    severity=CRITICAL,
    needs=[WRITE],
)
def delete_then_read(ctx: RuleContext) -> None:
    for collection, _ in collections(ctx):
        op = ctx.contract.find("DELETE", f"{collection}/{{id}}")
        if op is None:
            continue
        record = ctx.fixtures.create(
            collection, throwaway_body(_first(ctx, collection)), read=False
        )
        answer = ctx.api.delete(record.path, operation=op.label)
        read = _get(ctx, record.path)
        if "204" in op.responses:
            ctx.expect(
                answer.status == 204 and not answer.content,
                op.label,
                f"delete: {answer.describe()}, expected 204 without a body",
                answer,
            )
            ctx.expect(
                read.status == 404,
                f"GET {collection}/{{id}}",
                f"read after delete: {read.describe()}, expected 404",
                read,
            )
            again = ctx.api.delete(record.path, operation=op.label)
            ctx.expect(
                again.status == 404,
                op.label,
                f"second delete: {again.describe()}, expected 404",
                again,
            )
        else:
            data = answer.data if isinstance(answer.data, dict) else {}
            ctx.expect(
                answer.status == 200 and data.get("status") == "cancelled",
                op.label,
                f"cancel: {answer.describe()}, expected 200 with status cancelled",
                answer,
            )
            read_data = read.data if isinstance(read.data, dict) else {}
            ctx.expect(
                read.status == 200 and read_data.get("status") == "cancelled",
                f"GET {collection}/{{id}}",
                f"read after cancel: {read.describe()}, expected 200 cancelled",
                read,
            )


def _rejected(
    ctx: RuleContext,
    op: Operation,
    exchange: Exchange,
    fields: list[str],
    what: str,
    collection: str,
) -> None:
    if exchange.status == 201 and isinstance(exchange.data, dict) and "id" in exchange.data:
        ctx.fixtures.created.setdefault(collection, []).append(
            Created(collection, exchange.data["id"], {}, exchange, exchange.data)
        )
    for problem in validation_problems(exchange, 422, fields):
        ctx.fail(op.label, f"{what}: {problem}", exchange)
    ctx.checked()


@rule(
    "RES-004",
    "An unknown body field answers 422 naming it, on create and update",
    verifies=["REQ-RES-05"],
    severity=MAJOR,
    needs=[WRITE],
)
def unknown_fields(ctx: RuleContext) -> None:
    for collection, create in collections(ctx):
        record = _first(ctx, collection)
        body = {**throwaway_body(record), UNKNOWN_FIELD: 1}
        _rejected(
            ctx,
            create,
            ctx.api.post(collection, body, operation=create.label),
            [UNKNOWN_FIELD],
            "create with an unknown field",
            collection,
        )
        update = ctx.contract.find("PUT", f"{collection}/{{id}}")
        if update is not None:
            answer = ctx.api.put(record.path, {UNKNOWN_FIELD: 1}, operation=update.label)
            _rejected(
                ctx, update, answer, [UNKNOWN_FIELD], "update with an unknown field", collection
            )


def read_only_fields(op: Operation, data: dict[str, Any]) -> dict[str, Any]:
    """readOnly properties of the representation, with values of the right type."""
    props = (op.item_schema or {}).get("properties", {})
    return {n: data[n] for n, p in props.items() if p.get("readOnly") and n in data}


@rule(
    "RES-005",
    "A read-only field in a body answers 422 naming it, on create and update",
    verifies=["REQ-RES-06"],
    severity=MAJOR,
    needs=[WRITE],
)
def read_only_rejected(ctx: RuleContext) -> None:
    for collection, create in collections(ctx):
        record = _first(ctx, collection)
        fields = read_only_fields(create, record.data)
        for name, value in list(fields.items())[:1]:
            body = {**throwaway_body(record), name: value}
            _rejected(
                ctx,
                create,
                ctx.api.post(collection, body, operation=create.label),
                [name],
                f"create with read-only {name}",
                collection,
            )
            update = ctx.contract.find("PUT", f"{collection}/{{id}}")
            if update is not None:
                answer = ctx.api.put(record.path, {name: value}, operation=update.label)
                _rejected(ctx, update, answer, [name], f"update with read-only {name}", collection)


def expected_occurrences(event: dict[str, Any]) -> list[datetime]:
    """The event's occurrences (RFC 5545, in its own time zone), for a bounded recurrence."""
    recurrence = event["recurrence"]
    zone = ZoneInfo(event["timezone"])
    start = parse_instant(event["starts_at"])
    assert start is not None
    local = start.astimezone(zone).replace(tzinfo=None)
    days = {
        "MO": rrule.MO,
        "TU": rrule.TU,
        "WE": rrule.WE,
        "TH": rrule.TH,
        "FR": rrule.FR,
        "SA": rrule.SA,
        "SU": rrule.SU,
    }
    until = recurrence.get("until")
    rule_set = rrule.rrule(
        {
            "daily": rrule.DAILY,
            "weekly": rrule.WEEKLY,
            "monthly": rrule.MONTHLY,
            "yearly": rrule.YEARLY,
        }[recurrence["frequency"]],
        dtstart=local,
        interval=recurrence.get("interval") or 1,
        count=recurrence.get("count"),
        until=datetime.combine(date.fromisoformat(until), local.time()) if until else None,
        byweekday=[days[d] for d in recurrence.get("by_weekday") or []] or None,
    )
    excluded = set(recurrence.get("exclude_dates") or [])
    utc = ZoneInfo("UTC")
    # the first occurrence is the start itself (also the second of two identical local times
    # of a fall-back night); a later local time that occurs twice is its first instance
    # (fold 0), one that does not exist is read with the offset from before the gap
    return [
        start.astimezone(utc) if index == 0 else moment.replace(tzinfo=zone).astimezone(utc)
        for index, moment in enumerate(rule_set)
        if moment.date().isoformat() not in excluded
    ]


@rule(
    "RES-006",
    "A recurring event's occurrences are its recurrence expanded in its time zone (excluded "
    "dates left out, the wall-clock time kept across a DST change, the first one the event's "
    "own start, even the second of two identical local times), inside the asked window only",
    verifies=["REQ-DOM-01", "REQ-DOM-07"],
    severity=MAJOR,
    needs=[WRITE],
)
def occurrences_window(ctx: RuleContext) -> None:
    op = ctx.contract.find("GET", "/events/{id}/occurrences")
    recurring = [r for r in ctx.fixtures.records("/events") if r.body.get("recurrence")]
    if op is None or not recurring:
        ctx.skip("no recurring event")
    record = recurring[0]
    expected = expected_occurrences(record.body)  # from what the suite sent, not the answer
    path = op.url_path(id=record.id)
    everything = walk(ctx.api, op, path)
    got = [parse_instant(i.get("starts_at")) for i in everything.items]
    start = parse_instant(record.body["starts_at"])
    ctx.expect(
        bool(got) and got[0] == start,
        op.label,
        f"the first occurrence starts at {got[0].isoformat() if got and got[0] else None}, not "
        f"at the event's own starts_at {record.body['starts_at']}",
        everything.pages[0],
    )
    for problem in wall_clock_problems(got, record.body):
        ctx.fail(op.label, problem, everything.pages[-1])
    ctx.expect(
        got == expected,
        op.label,
        f"occurrences {[g.isoformat() if g else g for g in got]}, expected "
        f"{[e.isoformat() for e in expected]}",
        everything.pages[-1],
    )
    wrong_event = [i for i in everything.items if i.get("event_id") != record.id]
    ctx.expect(not wrong_event, op.label, "occurrences of another event_id", everything.pages[-1])
    if len(expected) >= 4:
        low, high = expected[1], expected[3]
        for params in (
            {"from": _z(low), "to": _z(high)},
            {"from": low.date().isoformat(), "to": high.date().isoformat()},
        ):
            window = walk(ctx.api, op, path, params)
            last = window.pages[-1]
            if not ctx.expect(
                last.status == 200, op.label, f"window {params}: {last.describe()}", last
            ):
                continue
            lo = parse_instant(params["from"]) or datetime.fromisoformat(
                params["from"] + "T00:00:00+00:00"
            )
            hi = parse_instant(params["to"]) or datetime.fromisoformat(
                params["to"] + "T00:00:00+00:00"
            )
            want = [e for e in expected if lo <= e < hi]
            seen = [parse_instant(i.get("starts_at")) for i in window.items]
            ctx.expect(
                seen == want,
                op.label,
                f"window {params}: got {[s.isoformat() if s else s for s in seen]}, "
                f"expected {[w.isoformat() for w in want]}",
                window.pages[-1],
            )


def wall_clock_problems(occurrences: list[datetime | None], event: dict[str, Any]) -> list[str]:
    """Every occurrence at the start's wall-clock time in the event's zone, and the series
    really crossing a UTC offset change (the fixture is chosen to): checked without a
    recurrence library, so a deployment and the suite cannot share a mistake."""
    zone = ZoneInfo(event["timezone"])
    start = parse_instant(event["starts_at"])
    if start is None:
        return ["the event has no start"]
    wall = start.astimezone(zone).time()
    problems = [
        f"occurrence {moment.isoformat() if moment else moment} is at "
        f"{moment.astimezone(zone).time() if moment else None} in {event['timezone']}, "
        f"not {wall} (the wall-clock time is kept across DST changes)"
        for moment in occurrences
        if moment is None or moment.astimezone(zone).time() != wall
    ]
    offsets = {m.astimezone(zone).utcoffset() for m in occurrences if m is not None}
    if len(offsets) < 2:
        problems.append(
            f"the occurrences do not cross a DST change in {event['timezone']} (offsets "
            f"{sorted(str(o) for o in offsets)})"
        )
    return problems


def _z(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def invoice_problems(invoice: dict[str, Any]) -> list[str]:
    """The document's invoice arithmetic, recomputed from the invoice's own lines."""
    problems = []
    subtotal = tax_total = 0
    for index, item in enumerate(invoice.get("items") or []):
        amount = item["quantity"] * item["unit_amount"]
        if item["amount"] != amount:
            problems.append(f"items.{index}.amount {item['amount']} != quantity * unit_amount")
        inclusive = 0
        for tax in item.get("taxes") or []:
            rate = Decimal(tax["rate"])
            if tax["inclusive"]:
                want = _half_up(amount - Decimal(amount) / (1 + rate / 100))
                inclusive += tax["amount"]
            else:
                want = _half_up(Decimal(amount) * rate / 100)
            if tax["amount"] != want:
                problems.append(
                    f"items.{index} tax {tax['rate']}% is {tax['amount']}, expected {want}"
                )
            tax_total += tax["amount"]
        subtotal += amount - inclusive
    total = subtotal + tax_total - invoice.get("discount", 0)
    closed = invoice.get("status") in ("cancelled", "refunded")
    due = 0 if closed else total - invoice.get("amount_paid", 0)
    for key, want in (
        ("subtotal", subtotal),
        ("tax_total", tax_total),
        ("total", total),
        ("amount_due", due),
    ):
        if invoice.get(key) != want:
            problems.append(f"{key} is {invoice.get(key)}, expected {want}")
    return problems


def recomputed_invoice(
    body: dict[str, Any], taxes: dict[int, dict[str, Any]], defaults: list[int]
) -> dict[str, Any]:
    """An invoice's amounts from what the suite sent: its items and discount, and the rate
    and kind of each tax as the suite created it (never from the invoice the deployment
    answered); a line that lists no taxes gets the team's active default ones (`defaults`)."""
    subtotal = tax_total = 0
    lines = []
    for item in body.get("items") or []:
        amount = item["quantity"] * item["unit_amount"]
        line_taxes = []
        inclusive = 0
        for tax_id in item.get("tax_ids", defaults):
            tax = taxes[tax_id]
            rate = Decimal(str(tax["rate"]))
            if tax.get("inclusive"):
                value = _half_up(amount - Decimal(amount) / (1 + rate / 100))
                inclusive += value
            else:
                value = _half_up(Decimal(amount) * rate / 100)
            line_taxes.append(value)
            tax_total += value
        subtotal += amount - inclusive
        lines.append({"amount": amount, "taxes": line_taxes})
    total = subtotal + tax_total - body.get("discount", 0)
    return {"items": lines, "subtotal": subtotal, "tax_total": tax_total, "total": total}


def recomputed_problems(invoice: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Where the deployment's invoice departs from the suite's own computation."""
    problems = [
        f"{key} is {invoice.get(key)}, recomputed from the items sent: {want[key]}"
        for key in ("subtotal", "tax_total", "total")
        if invoice.get(key) != want[key]
    ]
    for index, (item, line) in enumerate(
        zip(invoice.get("items") or [], want["items"], strict=False)
    ):
        got = [t.get("amount") for t in item.get("taxes") or []]
        if item.get("amount") != line["amount"] or got != line["taxes"]:
            problems.append(
                f"items.{index}: amount {item.get('amount')} taxes {got}, recomputed "
                f"{line['amount']} taxes {line['taxes']}"
            )
    return problems


def _taxes(ctx: RuleContext) -> tuple[dict[int, dict[str, Any]], list[int]]:
    """The suite's taxes as it created them, and the team's active default taxes (which
    apply to lines that list none) as the tax list shows them."""
    taxes = {t.id: {"inclusive": False, **t.body} for t in ctx.fixtures.records("/taxes")}
    op = ctx.contract.find("GET", "/taxes")
    defaults = []
    if op is not None:
        for tax in walk(ctx.api, op, "/taxes").items:
            if tax.get("is_default") and tax.get("is_active") and isinstance(tax.get("id"), int):
                taxes.setdefault(tax["id"], tax)
                defaults.append(tax["id"])
    return taxes, sorted(defaults)


@rule(
    "RES-007",
    "Invoice amounts are computed by the server as documented (line amounts, taxes half-up "
    "per line, subtotal, tax_total, total, amount_due), equal to the suite's own computation "
    "from the items and taxes it sent, and numbered with the team's prefix",
    verifies=["REQ-DOM-02", "REQ-DOM-06"],
    severity=MAJOR,
    needs=[WRITE],
)
def invoice_arithmetic(ctx: RuleContext) -> None:
    records = ctx.fixtures.records("/invoices")
    if not records:
        ctx.skip("no invoice fixture")
    taxes, defaults = _taxes(ctx)
    prefix = (ctx.state.cache.get("team") or {}).get("invoice_prefix")
    for record in records:
        read = _get(ctx, record.path)
        if not ctx.expect(read.status == 200, "GET /invoices/{id}", read.describe(), read):
            continue
        problems = invoice_problems(read.data)
        if record.body.get("items"):
            problems += recomputed_problems(
                read.data, recomputed_invoice(record.body, taxes, defaults)
            )
        number = read.data.get("number")
        if isinstance(prefix, str) and not (
            isinstance(number, str)
            and number.startswith(prefix)
            and number[len(prefix) :].isdigit()
        ):
            problems.append(f"number {number!r} is not the team's prefix {prefix!r} + a sequence")
        for problem in problems:
            ctx.fail("GET /invoices/{id}", f"{record.path}: {problem}", read)


@rule(
    "RES-008",
    "Moving an invoice to paid or partially_paid records a payment transaction of the amount paid",
    verifies=["REQ-DOM-03"],
    severity=MAJOR,
    needs=[WRITE],
)
def payments_recorded(ctx: RuleContext) -> None:
    fixtures = ctx.fixtures
    if not fixtures.payments:
        ctx.skip("no invoice payment")
    for exchange in fixtures.payments:
        invoice = exchange.data if isinstance(exchange.data, dict) else {}
        sent = exchange.body or b""
        amount = int(re.search(rb'"amount": (\d+)', sent).group(1))  # type: ignore[union-attr]
        ctx.expect(
            invoice.get("amount_paid") == amount,
            "PUT /invoices/{id}",
            f"amount_paid is {invoice.get('amount_paid')}, paid {amount}",
            exchange,
        )
        listing = ctx.api.get(
            "/transactions", params={"invoice_id": invoice.get("id")}, operation="GET /transactions"
        )
        rows = listing.data if isinstance(listing.data, list) else []
        payments = [
            r
            for r in rows
            if r.get("type") == "payment"
            and r.get("amount") == amount
            and r.get("provider_reference") == f"{fixtures.marker}-{invoice.get('id')}"
        ]
        ctx.expect(
            len(payments) == 1,
            "GET /transactions",
            f"invoice {invoice.get('id')}: {len(payments)} payment transaction(s) of "
            f"{amount}, expected 1",
            listing,
        )
