"""FILT: each `x-filter` keeps exactly what it declares — sound over every row the deployment
returns, complete over the suite's own marked records (the deployment may hold other data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schedulingkit.conformance.catalogue import MAJOR, MINOR, rule
from schedulingkit.conformance.checks import filter_keeps, read_field, validation_problems
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext
from schedulingkit.conformance.contract import Filter, Operation
from schedulingkit.conformance.probes import identity, list_targets, walk

MAX_VALUES = 2
SEARCH_PART = 64  # characters of a field's text searched for


@dataclass
class FilterCase:
    """One filtered query of one list and what came back."""

    op: Operation
    path: str
    params: dict[str, str]
    items: list[dict[str, Any]]
    last: Exchange
    ok: bool
    complete: bool
    own: list[dict[str, Any]] | None  # the suite's records that may match (None: unknown)
    scoped: bool  # the query also carried search=<marker>


def _swap(text: str) -> str:
    return text.swapcase() if text.swapcase() != text else text


def candidate_values(flt: Filter, items: list[dict[str, Any]], marker: str | None) -> list[str]:
    """Query values worth trying for `flt`, taken from items the list really holds."""
    values: list[str] = []

    def add(value: Any) -> None:
        if isinstance(value, bool):
            value = "true" if value else "false"
        if value is not None and str(value) not in values and str(value) != "":
            values.append(str(value))

    if flt.op == "search":
        if marker:
            add(marker.upper())
        for name in flt.fields:
            text = next(
                (
                    read_field(i, name)
                    for i in items
                    if isinstance(read_field(i, name), str) and read_field(i, name)
                ),
                None,
            )
            if text:
                # a middle part, well inside the contract's bound on search text (255)
                start = len(text) // 4
                add(_swap(text[start : start + min(SEARCH_PART, max(3, len(text) // 2))]))
    elif flt.op == "eq":
        if flt.value_type == "boolean":
            add("true")
            add("false")
        for item in items:
            add(read_field(item, flt.field))
        if flt.enum:
            add(next((v for v in flt.enum if v not in values), None))
    elif flt.op == "contains":
        for item in items:
            for element in read_field(item, flt.field) or []:
                add(element)
    else:  # gte / lt: an exact value (a boundary) and its date
        present = sorted(
            str(read_field(i, flt.field))
            for i in items
            if isinstance(read_field(i, flt.field), str)
        )
        if present:
            middle = present[len(present) // 2]
            add(middle)
            add(middle[:10])
    return values[: MAX_VALUES + (1 if flt.op == "search" else 0)]


def _own_items(ctx: RuleContext, op: Operation, path: str) -> tuple[list[dict], dict[str, str]]:
    """The suite's records in this list, as listed, and the params that scope a query to them."""
    fixtures = ctx.state.fixtures
    if fixtures is None:
        return [], {}
    search = next((f for f in op.filters if f.op == "search"), None)
    if op.path_params:  # a nested list of the suite's own record: every item is the suite's
        return walk(ctx.api, op, path).items, {}
    if search is None:
        return [], {}
    scope = {search.name: ctx.state.marker}
    return walk(ctx.api, op, path, scope).items, scope


def filter_cases(ctx: RuleContext) -> list[FilterCase]:
    """Every filtered query the FILT rules judge (made once per run)."""
    if "filter_cases" in ctx.state.cache:
        return ctx.state.cache["filter_cases"]
    if ctx.state.fixtures is None and not ctx.config.read_only:
        ctx.fixtures  # noqa: B018 - creates them
    cases: list[FilterCase] = []
    for op, path in list_targets(ctx):
        if not op.filters:
            continue
        own, scope = _own_items(ctx, op, path)
        sample = own or walk(ctx.api, op, path, max_pages=1).items
        marker = ctx.state.marker if ctx.state.fixtures is not None else None
        queries: list[dict[str, str]] = []
        for flt in op.filters:
            for raw in candidate_values(flt, sample, marker):
                queries.append({flt.name: raw})
        plain = [f for f in op.filters if f.op != "search"]
        if len(plain) >= 2 and sample:  # AND: two filters an item satisfies together
            item = sample[len(sample) // 2]
            pair = {}
            for flt in plain:
                values = candidate_values(flt, [item], None)
                if values:
                    pair[flt.name] = values[0]
                if len(pair) == 2:
                    queries.append(pair)
                    break
        scoped_only = bool(own) or (op.path_params and ctx.state.fixtures is not None)
        for params in queries:
            if not scoped_only:  # no records of the suite's own: judge the first page
                result = walk(ctx.api, op, path, params, max_pages=1)
                cases.append(
                    FilterCase(
                        op,
                        path,
                        params,
                        result.items,
                        result.pages[-1],
                        result.pages[-1].status == 200,
                        result.complete,
                        None,
                        False,
                    )
                )
            else:
                scoped = {**scope, **params} if not set(scope) & set(params) else params
                result = walk(ctx.api, op, path, scoped)
                cases.append(
                    FilterCase(
                        op,
                        path,
                        scoped,
                        result.items,
                        result.pages[-1],
                        result.pages[-1].status == 200,
                        result.complete,
                        own,
                        bool(scope),
                    )
                )
    ctx.state.cache["filter_cases"] = cases
    return cases


def _keeps_all(case: FilterCase, item: dict[str, Any]) -> bool:
    return all(filter_keeps(item, case.op.filter(name), raw) for name, raw in case.params.items())


@rule(
    "FILT-001",
    "Every row a filtered list returns satisfies the filter's declared semantics "
    "(search, eq, contains, gte, lt), alone and combined with AND",
    verifies=["REQ-FILT-01", "REQ-FILT-04", "REQ-FILT-05"],
    severity=MAJOR,
)
def soundness(ctx: RuleContext) -> None:
    cases = filter_cases(ctx)
    if not cases:
        ctx.skip("no list has data to filter")
    for case in cases:
        query = "&".join(f"{k}={v}" for k, v in case.params.items())
        if not ctx.expect(case.ok, case.op.label, f"?{query}: {case.last.describe()}", case.last):
            continue
        wrong = [i for i in case.items if not _keeps_all(case, i)]
        ctx.expect(
            not wrong,
            case.op.label,
            f"?{query} returned {len(wrong)} row(s) that do not match, e.g. "
            f"{identity(case.op)} {[read_field(i, identity(case.op)) for i in wrong[:5]]}",
            case.last,
        )


@rule(
    "FILT-002",
    "Every record the suite created that satisfies a filter is returned by it "
    "(completeness, over the suite's own records)",
    verifies=["REQ-FILT-02", "REQ-FILT-03"],
    severity=MAJOR,
    needs=["write"],
)
def completeness(ctx: RuleContext) -> None:
    cases = [c for c in filter_cases(ctx) if c.own is not None]
    if not cases:
        ctx.skip("no list holds the suite's records")
    for case in cases:
        key = identity(case.op)
        query = "&".join(f"{k}={v}" for k, v in case.params.items())
        if not case.ok:
            continue  # FILT-001 reports the failed request
        returned = {read_field(i, key) for i in case.items}
        expected = [i for i in case.own or [] if _keeps_all(case, i)]
        missing = [read_field(i, key) for i in expected if read_field(i, key) not in returned]
        ctx.expect(
            not missing,
            case.op.label,
            f"?{query} left out {len(missing)} matching record(s): {key} {missing[:5]}",
            case.last,
        )


@rule(
    "FILT-003",
    "A from bound after the to bound, or a malformed date, answers 400",
    verifies=["REQ-FILT-06"],
    severity=MINOR,
)
def inverted_range(ctx: RuleContext) -> None:
    found = False
    for op, path in list_targets(ctx):
        lows = {f.field: f for f in op.filters if f.op == "gte"}
        for high in (f for f in op.filters if f.op == "lt"):
            low = lows.get(high.field)
            if low is None:
                continue
            found = True
            fmt = ((op.item_schema or {}).get("properties", {}).get(high.field) or {}).get("format")
            pairs = [
                {low.name: "2031-03-10", high.name: "2031-03-01"},
                {low.name: "2031-03-10T10:00:00Z", high.name: "2031-03-10T09:00:00Z"},
            ]
            if fmt == "date":  # date-time bounds of a date field compare as their UTC dates
                pairs = pairs[:1]
            for params in pairs:
                exchange = ctx.api.get(path, params=params, operation=op.label)
                problems = validation_problems(exchange, 400, [])
                for problem in problems:
                    ctx.fail(op.label, f"{params}: {problem}", exchange)
                ctx.checked()
    if not found:
        ctx.skip("no list has a from/to pair")
