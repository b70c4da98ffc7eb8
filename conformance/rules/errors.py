"""ERR: every error is JSON `{message, errors?}` with the documented status."""

from __future__ import annotations

from typing import Any

from schedulingkit.conformance.catalogue import MAJOR, MINOR, rule
from schedulingkit.conformance.checks import error_body_problems, error_keys, validation_problems
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext, SuiteState
from schedulingkit.conformance.probes import UNKNOWN_ID, harmless_call, list_targets

PROBE_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
PAGING = ("page", "per_page")


def _error_shape(state: SuiteState, exchange: Exchange) -> list[str]:
    if exchange.status < 400:
        return []
    return [f"{exchange.status} response: {p}" for p in error_body_problems(exchange)]


@rule(
    "ERR-001",
    "Every 4xx and 5xx response of the run is application/json "
    '{"message": string, "errors"?: {key: [string]}}, without a stack trace',
    verifies=["REQ-ERR-01"],
    severity=MAJOR,
    observe=_error_shape,
)
def error_shape(ctx: RuleContext) -> None:
    """Judges every error of the run; provokes a 404 where no other rule got an error yet."""
    id_reads = [op for op in ctx.operations(include_writes=False) if op.path_params]
    unseen = set(ctx.unseen([op.label for op in id_reads], error=True))
    for op in id_reads:
        if op.label in unseen:
            harmless_call(ctx.api, op)


@rule(
    "ERR-002",
    "An unknown route answers 404 with the error shape",
    verifies=["REQ-ERR-02"],
    severity=MINOR,
)
def unknown_route(ctx: RuleContext) -> None:
    for path in ("/sk-conformance-no-such-route", "/clients/1/no-such-child"):
        exchange = ctx.api.get(path)
        for problem in validation_problems(exchange, 404, []):
            ctx.fail(f"GET {path}", problem, exchange)
        ctx.checked()


@rule(
    "ERR-003",
    "A method a documented path does not have answers 405 with the error shape "
    "and an Allow header listing the documented methods",
    verifies=["REQ-ERR-03", "REQ-RES-07"],
    severity=MINOR,
)
def wrong_method(ctx: RuleContext) -> None:
    for path, methods in ctx.contract.paths().items():
        concrete = path.replace("{id}", str(UNKNOWN_ID))
        missing = [m for m in PROBE_METHODS if m not in methods]
        if ctx.config.read_only:
            missing = ["PATCH"] if "PATCH" not in methods else []
        for method in missing[:1]:
            body = {"json": {}} if method != "GET" else {}
            exchange = ctx.api.request(method, concrete, operation=f"{method} {path}", **body)
            problems = validation_problems(exchange, 405, [])
            allow = {m.strip().upper() for m in exchange.headers.get("allow", "").split(",")}
            if exchange.status == 405 and not set(methods) <= allow:
                problems.append(
                    f"Allow is {exchange.headers.get('allow')!r}, documented: {', '.join(methods)}"
                )
            for problem in problems:
                ctx.fail(f"{method} {path}", problem, exchange)
            ctx.checked()


@rule(
    "ERR-004",
    "An unknown id answers 404 with the error shape on every id route",
    verifies=["REQ-ERR-04"],
    severity=MAJOR,
)
def unknown_id(ctx: RuleContext) -> None:
    for op in ctx.operations():
        if not op.path_params:
            continue
        exchange = harmless_call(ctx.api, op)
        for problem in validation_problems(exchange, 404, []):
            ctx.fail(op.label, f"unknown id {UNKNOWN_ID}: {problem}", exchange)
        ctx.checked()


def _bad_values(schema: dict[str, Any]) -> list[str]:
    if schema.get("enum"):
        return ["sk-conformance-unknown"]
    kind = schema.get("type")
    if kind == "integer":
        values = ["abc"]
        if "minimum" in schema:
            values.append(str(schema["minimum"] - 1))
        if "maximum" in schema and schema["maximum"] < 2**31:
            values.append(str(schema["maximum"] + 1))
        return values
    if kind == "boolean":
        return ["maybe"]
    if "anyOf" in schema:  # DateOrDateTime
        return ["not-a-date", "2026-13-45"]
    if kind == "string" and schema.get("maxLength"):
        return ["x" * (schema["maxLength"] + 1)]
    return []


@rule(
    "ERR-005",
    "A query or path parameter that fails its schema answers 400 with `errors` "
    "keyed by the parameter's name",
    verifies=["REQ-ERR-05", "REQ-FILT-06", "REQ-COST-01"],
    severity=MAJOR,
)
def bad_parameters(ctx: RuleContext) -> None:
    nested = {op.operation_id: path for op, path in list_targets(ctx) if op.path_params}
    for op in ctx.operations(include_writes=False):
        for name, param in op.parameters.items():
            if name in PAGING:
                continue  # PAGE-002 sends bad page and per_page values to every list
            for value in _bad_values(param["schema"])[:2]:
                if param["in"] == "path":
                    path = op.url_path(**{name: value})
                    exchange = ctx.api.get(path, operation=op.label)
                else:
                    if op.path_params and op.operation_id not in nested:
                        continue  # no record to list under: a lookup may answer first
                    path = nested.get(op.operation_id, op.path)
                    exchange = ctx.api.get(path, params={name: value}, operation=op.label)
                for problem in validation_problems(exchange, 400, [name]):
                    ctx.fail(op.label, f"{name}={value[:40]}: {problem}", exchange)
                ctx.checked()


def _body_operations(ctx: RuleContext):
    ops = [op for op in ctx.operations() if op.request_schema is not None]
    if not ops:
        ctx.skip("sends request bodies (--read-only)")
    return ops


@rule(
    "ERR-006",
    "A body that is not valid JSON answers 400 with the error shape",
    verifies=["REQ-ERR-06"],
    severity=MINOR,
)
def invalid_json(ctx: RuleContext) -> None:
    for op in _body_operations(ctx):
        path = op.url_path(**{n: UNKNOWN_ID for n in op.path_params})
        exchange = ctx.api.request(
            op.method,
            path,
            content=b'{"name": ',
            headers={"Content-Type": "application/json"},
            operation=op.label,
        )
        if op.path_params and exchange.status == 404:
            ctx.checked()  # a lookup before parsing is acceptable for an unknown id
            continue
        for problem in validation_problems(exchange, 400, []):
            ctx.fail(op.label, f"malformed JSON body: {problem}", exchange)
        ctx.checked()


@rule(
    "ERR-007",
    "A body that is not application/json answers 415 with the error shape",
    verifies=["REQ-ERR-07"],
    severity=MINOR,
)
def unsupported_media(ctx: RuleContext) -> None:
    for op in _body_operations(ctx):
        path = op.url_path(**{n: UNKNOWN_ID for n in op.path_params})
        exchange = ctx.api.request(
            op.method,
            path,
            content=b"name=sk-conformance",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            operation=op.label,
        )
        if op.path_params and exchange.status == 404:
            ctx.checked()
            continue
        for problem in validation_problems(exchange, 415, []):
            ctx.fail(op.label, f"form-encoded body: {problem}", exchange)
        ctx.checked()


def over_max_items(schema: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """The first array property of a body schema with a `maxItems`, and an array one element
    longer (distinct strings, empty objects, ...): a longer array is refused for itself."""
    for name, prop in (schema.get("properties") or {}).items():
        limit = prop.get("maxItems") if prop.get("type") == "array" else None
        if not isinstance(limit, int) or limit > 1000:
            continue
        kind = (prop.get("items") or {}).get("type")
        element: dict[str, Any] = {"object": {}, "array": [], "integer": 1, "boolean": True}
        if kind == "string" or kind not in element:
            return name, [f"sk-conformance-{index}" for index in range(limit + 1)]
        return name, [element[kind]] * (limit + 1)
    return None


@rule(
    "ERR-008",
    "A create body missing required fields (and with an array one element over its maxItems) "
    "answers 422 whose `errors` names every one of them, not only the first",
    verifies=["REQ-ERR-08", "REQ-COST-01"],
    severity=MAJOR,
)
def every_missing_field(ctx: RuleContext) -> None:
    for op in _body_operations(ctx):
        required = list((op.request_schema or {}).get("required", []))
        if op.method != "POST" or not required:
            continue
        body: dict[str, Any] = {}
        described = "empty body"
        too_long = over_max_items(op.request_schema or {})
        if too_long is not None:
            name, value = too_long
            body[name] = value
            described = f"body with only {name} ({len(value)} items, over its maxItems)"
            if name not in required:
                required.append(name)
        exchange = ctx.api.post(op.path, body, operation=op.label)
        for problem in validation_problems(exchange, 422, required):
            ctx.fail(op.label, f"{described}: {problem}", exchange)
        ctx.checked()


def nested_required(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Array-of-object properties of a body schema -> the required fields of their items."""
    found = {}
    for name, prop in (schema.get("properties") or {}).items():
        items = prop.get("items") if prop.get("type") == "array" else None
        if isinstance(items, dict) and items.get("required"):
            found[name] = list(items["required"])
    return found


@rule(
    "ERR-009",
    "422 `errors` name nested fields by dotted path (`items.0.quantity`)",
    verifies=["REQ-ERR-09"],
    severity=MINOR,
)
def dotted_paths(ctx: RuleContext) -> None:
    checked = False
    for op in _body_operations(ctx):
        if op.method != "POST":
            continue
        for name, required in nested_required(op.request_schema or {}).items():
            exchange = ctx.api.post(op.path, {name: [{}]}, operation=op.label)
            expected = [f"{name}.0.{field}" for field in required]
            for problem in validation_problems(exchange, 422, expected):
                ctx.fail(op.label, f"{name}: [{{}}]: {problem}", exchange)
            if exchange.status == 422 and any(
                k.startswith(f"{name}[") for k in error_keys(exchange)
            ):
                ctx.fail(op.label, "errors use brackets instead of dotted paths", exchange)
            ctx.checked()
            checked = True
    if not checked:
        ctx.skip("no create body has an array of objects")
