"""WIRE: JSON everywhere, timestamps in UTC with `Z`."""

from __future__ import annotations

from schedulingkit.conformance.catalogue import MAJOR, MINOR, rule
from schedulingkit.conformance.checks import json_content_type_problems, utc_timestamp_problems
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext, SuiteState
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
