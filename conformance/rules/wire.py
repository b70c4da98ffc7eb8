"""WIRE: JSON everywhere, timestamps in UTC with `Z`, the headers every answer carries, links
on the deployment's own URL, no redirects."""

from __future__ import annotations

from schedulingkit.conformance.catalogue import MAJOR, MINOR, rule
from schedulingkit.conformance.checks import (
    hardening_problems,
    json_content_type_problems,
    link_problems,
    pagination_problems,
    utc_timestamp_problems,
)
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext, SuiteState
from schedulingkit.conformance.contract import Operation
from schedulingkit.conformance.probes import list_targets


def _json_everywhere(state: SuiteState, exchange: Exchange) -> list[str]:
    if exchange.status == 204:
        return ["204 response has a body"] if exchange.content else []
    return json_content_type_problems(exchange)


def _utc_timestamps(state: SuiteState, exchange: Exchange) -> list[str]:
    if not 200 <= exchange.status < 300 or exchange.status == 204:
        return []
    fields = state.cache.get("date_time_fields")
    if fields is None:
        fields = state.cache["date_time_fields"] = state.contract.date_time_fields()
    return utc_timestamp_problems(exchange.json(), fields)[:3]


@rule(
    "WIRE-001",
    "Every response of the run (with Accept: application/json) is "
    "application/json, and 204 has no body",
    verifies=["REQ-WIRE-01"],
    severity=MAJOR,
    observe=_json_everywhere,
)
def json_everywhere(ctx: RuleContext) -> None:
    """Judges every exchange of the run; lists no other rule has read are read here."""
    targets = list_targets(ctx)
    unseen = set(ctx.unseen([op.label for op, _ in targets]))
    for op, path in targets:
        if op.label in unseen:
            ctx.api.get(path, operation=op.label)


@rule(
    "WIRE-002",
    "Every timestamp in a response (format date-time, not local_*) is RFC 3339 "
    "in UTC written with Z",
    verifies=["REQ-WIRE-03"],
    severity=MINOR,
    observe=_utc_timestamps,
)
def utc_timestamps(ctx: RuleContext) -> None:
    """Judges every exchange of the run; lists no other rule has read are read here."""
    targets = list_targets(ctx)
    unseen = set(ctx.unseen([op.label for op, _ in targets]))
    for op, path in targets:
        if op.label in unseen:
            ctx.api.get(path, operation=op.label)


def _top_level_list(ctx: RuleContext) -> tuple[Operation, str]:
    """The first list of the document that needs no parent id (no fixture to create)."""
    op = next((o for o in ctx.contract.list_operations() if not o.path_params), None)
    if op is None:
        ctx.skip("the document has no list without a path parameter")
    assert op is not None
    return op, op.path


def _of_operation(state: SuiteState, exchange: Exchange) -> bool:
    """Whether the exchange called a documented operation (`GET /clients/{id}`), not an
    unknown route, a method the path does not have, or a route outside the API."""
    known = state.cache.get("operation labels")
    if known is None:
        known = state.cache["operation labels"] = {op.label for op in state.contract.operations}
    return exchange.operation in known


def _hardening(state: SuiteState, exchange: Exchange) -> list[str]:
    return hardening_problems(exchange, _of_operation(state, exchange))


@rule(
    "WIRE-003",
    "Every response of the run carries X-Content-Type-Options: nosniff, every response of an "
    "operation Cache-Control: no-store, and none names the server software (Server, "
    "X-Powered-By)",
    verifies=["REQ-COST-05", "REQ-COST-11"],
    severity=MAJOR,
    observe=_hardening,
)
def hardening_headers(ctx: RuleContext) -> None:
    """Judges every exchange of the run (the preflight's included); sends nothing of its own."""


def _links(state: SuiteState, exchange: Exchange) -> list[str]:
    return link_problems(state.config.base_url, exchange)


@rule(
    "WIRE-004",
    "Links (links.*, meta.path) and the Location of a 201 are absolute URLs on the "
    "deployment's base URL, in every response of the run; a list asked with a foreign Host "
    "header names no link to that host",
    verifies=["REQ-COST-06"],
    severity=MAJOR,
    observe=_links,
)
def links_from_public_url(ctx: RuleContext) -> None:
    """Judges the links of every exchange of the run; sends one list request of its own, with
    a `Host` header naming a host of the reserved `.invalid` domain (kept from the other
    observers: a proxy may route such a request elsewhere)."""
    op, path = _top_level_list(ctx)
    foreign = f"sk-conformance-{ctx.state.run_id}.invalid"
    exchange = ctx.api.get(
        path,
        params={"per_page": 1},
        headers={"Host": foreign},
        operation=op.label,
        observed=False,
    )
    ctx.state.count(exchange)
    named = [
        f"{name} {value}" for name, value in exchange.headers.items() if foreign in value.lower()
    ]
    if foreign.encode() in exchange.content.lower():
        named.append("the body")
    ctx.expect(
        not named,
        op.label,
        f"asked with Host: {foreign}, the answer names that host ({'; '.join(named)[:300]})",
        exchange,
    )
    if exchange.status == 200:  # a deployment may also refuse a host it does not serve
        for problem in link_problems(ctx.config.base_url, exchange):
            ctx.fail(op.label, f"asked with Host: {foreign}: {problem}", exchange)


def _no_redirect(state: SuiteState, exchange: Exchange) -> list[str]:
    if 300 <= exchange.status < 400:
        location = exchange.headers.get("location")
        return [f"answered {exchange.status}, a redirect (Location: {location!r})"]
    return []


@rule(
    "WIRE-005",
    "A trailing slash changes nothing (a list asked as /clients/ answers as /clients), and no "
    "response of the run is a redirect",
    verifies=["REQ-WIRE-07"],
    severity=MINOR,
    observe=_no_redirect,
)
def trailing_slash(ctx: RuleContext) -> None:
    """Judges every exchange of the run; sends one list request with a trailing slash."""
    op, path = _top_level_list(ctx)
    exchange = ctx.api.get(f"{path}/", operation=op.label)
    if ctx.expect(
        exchange.status == 200,
        op.label,
        f"{path}/ (a trailing slash): got {exchange.describe()}, expected the list as {path}",
        exchange,
    ):
        for problem in pagination_problems(
            exchange.json(), op.paging.page, op.paging.per_page, path
        ):
            ctx.fail(op.label, f"{path}/ (a trailing slash): {problem}", exchange)
