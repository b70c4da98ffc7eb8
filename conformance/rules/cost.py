"""COST: every request has a bounded cost (body, head, nesting, series), and the health route.

Each rule sends one request: the smallest that proves the bound holds. The body-limit, head
and health requests carry no token (the deployment answers them before any token is read, so
they spend nothing of the token's window).
"""

from __future__ import annotations

import shlex
from datetime import timedelta
from typing import Any

import httpx
from schedulingkit.conformance.catalogue import MAJOR, MINOR, WRITE, rule
from schedulingkit.conformance.checks import parse_instant, validation_problems
from schedulingkit.conformance.client import DeploymentUnreachable, Exchange, NoAnswer
from schedulingkit.conformance.context import RuleContext
from schedulingkit.conformance.contract import Operation
from schedulingkit.conformance.fixtures import Created
from schedulingkit.conformance.report import Failure
from schedulingkit.conformance.rules.resources import throwaway_body

MAX_HEAD_BYTES = 32 * 1024  # the request line and headers, as the document says
PADDING_BYTES = MAX_HEAD_BYTES + 1024  # one header alone is over the bound, with room to spare
MAX_JSON_DEPTH = 32  # arrays and objects, as the document says
SENT_DEPTH = MAX_JSON_DEPTH + 8  # over the bound however a deployment counts the top level
EARLY_ANSWER_SECONDS = 10.0  # what "at once" may take, network included
PADDING_HEADER = "X-SK-Conformance-Padding"


def _create(ctx: RuleContext, *, with_token: bool = True) -> Operation:
    """The first POST to a collection (with a token, one the run may send a body to)."""
    ops = [
        op
        for op in (ctx.operations() if with_token else ctx.contract.operations)
        if op.method == "POST" and op.request_schema is not None and not op.path_params
    ]
    if not ops:
        ctx.skip("sends a request body (--read-only)")
    return ops[0]


def _fail_unanswered(ctx: RuleContext, operation: str, detail: str, curl: str) -> None:
    ctx.checked()
    ctx.result.add_failure(Failure(operation, detail, curl))


@rule(
    "COST-001",
    "A body announced (Content-Length) over the deployment's limit answers 413 with the error "
    "body at once, without a token and before the body is sent",
    verifies=["REQ-COST-02"],
    severity=MAJOR,
)
def body_limit(ctx: RuleContext) -> None:
    op = _create(ctx, with_token=False)  # no token, no body: nothing can be written
    length = ctx.config.max_body_bytes + 1
    timeout = min(ctx.config.timeout, EARLY_ANSWER_SECONDS)
    try:
        exchange = ctx.api.announce(
            op.method, op.path, length, timeout=timeout, authorization=None, operation=op.label
        )
    except NoAnswer as exc:
        curl = Exchange(
            op.method,
            ctx.api.url(op.path),
            "none",
            {"Content-Type": "application/json", "Content-Length": str(length)},
            None,
            0,
            httpx.Headers(),
            b"",
        ).curl()
        _fail_unanswered(
            ctx,
            op.label,
            f"a {length}-byte body announced by Content-Length (--max-body-bytes "
            f"{ctx.config.max_body_bytes}, plus one) and not sent: {exc}, expected 413 at once",
            curl,
        )
        return
    for problem in validation_problems(exchange, 413, []):
        ctx.fail(op.label, f"a {length}-byte body announced by Content-Length: {problem}", exchange)
    ctx.checked()


@rule(
    "COST-002",
    "A request whose line and headers exceed 32 KiB answers 431",
    verifies=["REQ-COST-09"],
    severity=MINOR,
)
def head_limit(ctx: RuleContext) -> None:
    op = next((o for o in ctx.contract.operations if o.method == "GET"), None)
    if op is None:
        ctx.skip("the document has no GET operation")
    assert op is not None
    path = op.url_path(**{name: 1 for name in op.path_params})
    curl = (
        f"curl -sS -i {shlex.quote(ctx.api.url(path))} -H 'Accept: application/json' "
        f"-H \"{PADDING_HEADER}: $(head -c {PADDING_BYTES} /dev/zero | tr '\\0' a)\""
    )
    try:
        exchange = ctx.api.get(
            path, headers={PADDING_HEADER: "a" * PADDING_BYTES}, authorization=None
        )
    except DeploymentUnreachable as exc:
        _fail_unanswered(
            ctx, f"GET {path}", f"a {PADDING_BYTES}-byte header: no answer ({exc})", curl
        )
        return
    ctx.checked()
    if exchange.status != 431:
        detail = f"a {PADDING_BYTES}-byte header: got {exchange.describe()}, expected 431"
        ctx.result.add_failure(Failure(f"GET {path}", detail, curl))


@rule(
    "COST-003",
    f"A JSON body nested more than {MAX_JSON_DEPTH} levels deep answers 400 with the error body",
    verifies=["REQ-COST-10"],
    severity=MINOR,
)
def json_depth(ctx: RuleContext) -> None:
    op = _create(ctx)
    body = b"[" * SENT_DEPTH + b"]" * SENT_DEPTH
    exchange = ctx.api.request(
        op.method,
        op.path,
        content=body,
        headers={"Content-Type": "application/json"},
        operation=op.label,
    )
    for problem in validation_problems(exchange, 400, []):
        ctx.fail(op.label, f"arrays nested {SENT_DEPTH} levels deep: {problem}", exchange)
    ctx.checked()


def max_occurrences(ctx: RuleContext, op: Operation) -> int:
    """The most occurrences a series that ends may have: the `maximum` of `recurrence.count`
    in the create body's schema, as the contract reads it."""
    properties = (op.request_schema or {}).get("properties") or {}
    recurrence = properties.get("recurrence") or {}
    count = (recurrence.get("properties") or {}).get("count") or {}
    maximum = count.get("maximum")
    if not isinstance(maximum, int) or isinstance(maximum, bool):
        ctx.skip(f"{op.label} documents no maximum for recurrence.count")
    return maximum


@rule(
    "COST-004",
    "A daily series whose until makes more occurrences than the document allows (730) answers "
    "422 on recurrence.until and creates nothing",
    verifies=["REQ-COST-03"],
    severity=MAJOR,
    needs=[WRITE],
)
def series_cap(ctx: RuleContext) -> None:
    op = ctx.contract.find("POST", "/events")
    recurring = [r for r in ctx.fixtures.records("/events") if r.body.get("recurrence")]
    if op is None or not recurring:
        ctx.skip("no recurring event to copy")
    assert op is not None
    cap = max_occurrences(ctx, op)
    body: dict[str, Any] = throwaway_body(recurring[0])
    start = parse_instant(body["starts_at"])
    assert start is not None
    # daily from the start's local date: about cap + 10 occurrences, whatever its time zone
    until = (start + timedelta(days=cap + 10)).date().isoformat()
    body["recurrence"] = {"frequency": "daily", "until": until}
    exchange = ctx.api.post("/events", body, operation=op.label)
    if exchange.status == 201 and isinstance(exchange.data, dict) and "id" in exchange.data:
        ctx.fixtures.created.setdefault("/events", []).append(
            Created("/events", exchange.data["id"], body, exchange, exchange.data)
        )  # cancelled with the other fixtures
    for problem in validation_problems(exchange, 422, ["recurrence.until"]):
        ctx.fail(
            op.label, f"a daily series until {until} (over {cap} occurrences): {problem}", exchange
        )
    ctx.checked()


def health_url(base_url: str) -> str:
    """`/up` beside the API: `https://host/up` for `https://host/api/v1` (a base path that
    does not end in `/api/v1` keeps its prefix: `https://host/x/up` for `https://host/x/v1`)."""
    base = httpx.URL(base_url)
    path = base.path.rstrip("/")
    prefix = path[: -len("/api/v1")] if path.endswith("/api/v1") else path.rsplit("/", 1)[0]
    return str(base.copy_with(path=f"{prefix}/up", query=None))


@rule(
    "COST-005",
    'GET /up (outside /api/v1, without a token) answers 200 {"status": "up"}',
    verifies=["REQ-COST-07"],
    severity=MINOR,
)
def health_route(ctx: RuleContext) -> None:
    url = health_url(ctx.config.base_url)
    exchange = ctx.api.get(url, authorization=None)
    body = exchange.json()
    ctx.expect(
        exchange.status == 200 and isinstance(body, dict) and body.get("status") == "up",
        "GET /up",
        f'got {exchange.describe()}, expected 200 {{"status": "up"}}',
        exchange,
    )
