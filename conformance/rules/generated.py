"""GEN: Schemathesis generates requests (examples, coverage, fuzzing and stateful phases, valid
and invalid data) and its built-in checks become our rules.

Configured where our contract differs on purpose:
- `use_after_free` off: `DELETE /events/{id}` cancels and the event stays readable (RES-003
  checks delete-then-read for every collection instead).
- `ignored_auth` off: AUTH-001..005 send missing, malformed, unknown and revoked-looking
  tokens to every operation and also check the body and `WWW-Authenticate`.
- `object_level_authorization` off: tenancy needs a second team's records (TEN-001/002).
- `negative_data_rejection` expects 400 (parameters), 404 (ids), 415 (media) or 422 (bodies).
- `positive_data_acceptance` also accepts 404 (generated ids name nothing) and 422 (business
  rules the schema cannot say: unique slugs, references to the team's own records, invoice
  status transitions).
- 429 is waited out (`rate-limit = "auto"`), never reported.
Writes are kept to the suite's own records: an id route that writes gets the id of a record
made for the purpose, every record Schemathesis creates is removed (or cancelled) afterwards,
and the team is restored after `PUT /team`.
"""

from __future__ import annotations

import tempfile
from contextlib import suppress
from typing import Any

import httpx
from schedulingkit.conformance.budget import RATE_RULE_REQUESTS, GeneratedSettings, resize_generated
from schedulingkit.conformance.catalogue import CRITICAL, MAJOR, MINOR, rule
from schedulingkit.conformance.checks import as_instant
from schedulingkit.conformance.client import Exchange
from schedulingkit.conformance.context import RuleContext, SuiteState
from schedulingkit.conformance.fixtures import Created
from schedulingkit.conformance.probes import UNKNOWN_ID
from schedulingkit.conformance.report import Failure
from schedulingkit.conformance.rules.resources import collections, throwaway_body
from schedulingkit.openapi import document_path

_ACTIVE: dict[str, Any] = {}  # the run Schemathesis is serving, for the global before_call hook


def _hooks_registered() -> None:
    """Register the process-wide `before_call` hook once; it does nothing outside a run."""
    import schemathesis

    if _ACTIVE.get("registered"):
        return

    @schemathesis.hook
    def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        guard = _ACTIVE.get("guard")
        if guard is not None:
            guard(case)

    _ACTIVE["registered"] = True


def schemathesis_config(
    max_examples: int,
    seed: int | None,
    read_only: bool = False,
    settings: GeneratedSettings | None = None,
) -> dict[str, Any]:
    """The Schemathesis configuration of a run (TRACE alone probes methods when read-only:
    even a deployment that wrongly implemented PATCH cannot change anything), sized by the
    run's plan when it has one."""
    if settings is not None:
        max_examples = settings.max_examples
    config: dict[str, Any] = {
        "rate-limit": "auto",
        # nothing written to the working directory: no example database, no cache
        "generation": {"max-examples": max_examples, "allow-x00": False, "database": "none"},
        "cache": {"enabled": False},
        "phases": {
            "examples": {
                "enabled": settings is None or settings.examples_phase,
                "fill-missing": True,
            },
            "coverage": {
                "enabled": True,
                "unexpected-methods": ["TRACE"] if read_only else ["PATCH", "TRACE"],
            },
            "fuzzing": {"enabled": True},
            "stateful": {
                "enabled": True,
                "max-steps": settings.stateful_steps if settings is not None else 10,
                "generation": {
                    "max-examples": settings.stateful_examples if settings else max_examples,
                    "allow-x00": False,
                    "database": "none",
                },
            },
        },
        "checks": {
            "use_after_free": {"enabled": False},
            "ignored_auth": {"enabled": False},
            "object_level_authorization": {"enabled": False},
            "missing_required_header": {"enabled": False},
            # 429 too: a case answered 429 is not judged (`_collect` leaves it out); counted as
            # a failure, it would make Hypothesis replay and shrink the case, each replay a
            # request in a spent window
            "negative_data_rejection": {"expected-statuses": [400, 404, 415, 422, 429]},
            "positive_data_acceptance": {"expected-statuses": ["2XX", 404, 422, 429]},
        },
    }
    if seed is not None:
        config["seed"] = seed
    return config


CHECK_RULES = {
    "not_a_server_error": "GEN-001",
    "response_schema_conformance": "GEN-002",
    "status_code_conformance": "GEN-003",
    "content_type_conformance": "GEN-004",
    "response_headers_conformance": "GEN-005",
    "negative_data_rejection": "GEN-006",
    "positive_data_acceptance": "GEN-007",
    "unsupported_method": "GEN-008",
    "allow_header_conformance": "GEN-008",
    "ensure_resource_availability": "GEN-009",
}


def _redact(text: str, state: SuiteState) -> str:
    """Schemathesis filters the token out of its curl commands; put the shell variable there."""
    text = text.replace("'Authorization: [Filtered]'", '"Authorization: Bearer $SK_TOKEN"')
    return text.replace(state.config.token, "$SK_TOKEN")


def ordered_bounds(query: dict[str, Any] | None, pairs: list[tuple[str, str]]) -> None:
    """Swap a generated from/to pair when from is after to: that request is invalid by a rule
    the schema cannot express (400), so it must not count as valid data refused."""
    if not query:
        return
    for low, high in pairs:
        a, b = as_instant(query.get(low)), as_instant(query.get(high))
        if a is not None and b is not None and a > b:
            query[low], query[high] = query[high], query[low]


class _Guard:
    """Keeps generated writes on the suite's own records and remembers what they create."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.targets: dict[str, int] = {}
        self.own: dict[str, set[int]] = {}
        fixtures = ctx.state.fixtures
        if fixtures is None:
            return
        for collection, _ in collections(ctx):
            source = fixtures.records(collection)
            if source:
                record = fixtures.create(collection, throwaway_body(source[0]), read=False)
                self.targets[collection] = record.id
                self.own.setdefault(collection, set()).add(record.id)

    def __call__(self, case: Any) -> None:
        method = case.method.upper()
        params = case.path_parameters or {}
        if method == "GET" or "id" not in params:
            return
        collection = "/" + case.path.strip("/").split("/")[0]
        try:
            current = int(params["id"])
        except (TypeError, ValueError):
            current = None
        own, target = self.own.get(collection, set()), self.targets.get(collection)
        if method == "DELETE":
            # only what Schemathesis created may go; the record made for the writes stays
            # (ids seen in responses are reused: a deleted target would answer the later
            # writes 404 and blame the server)
            if current not in own or current == target:
                params["id"] = UNKNOWN_ID
        elif current not in own:
            params["id"] = target if target is not None else UNKNOWN_ID

    def created(self, exchange: Exchange) -> None:
        if exchange.method != "POST" or exchange.status != 201:
            return
        data = exchange.data
        if isinstance(data, dict) and isinstance(data.get("id"), int):
            base = httpx.URL(self.ctx.config.base_url).path.rstrip("/")
            path = httpx.URL(exchange.url).path.removeprefix(base)
            collection = "/" + path.strip("/").split("/")[0]
            self.own.setdefault(collection, set()).add(data["id"])
            fixtures = self.ctx.state.fixtures
            if fixtures is not None:
                fixtures.created.setdefault(collection, []).append(
                    Created(collection, data["id"], {}, exchange, data)
                )


class CoverageSample:
    """Keeps at most `quota` coverage-phase cases per operation, chosen for breadth: one
    negative and one positive case per parameter or body (GEN-006, GEN-007), in the order
    they come; and, beside the quota, one undocumented method per path (GEN-008). The cases
    arrive in Schemathesis's deterministic order, so a seed gives the same sample."""

    def __init__(self, quota: int | None) -> None:
        self.quota = quota
        self.kept: dict[str, int] = {}
        self.methods_probed: set[str] = set()
        self.targets: dict[str, set[tuple[str, str]]] = {}

    def keep(self, case: Any) -> bool:
        if self.quota is None:
            return True
        meta = getattr(case, "meta", None)
        phase = getattr(meta, "phase", None)
        data = getattr(phase, "data", None)
        if data is None or type(data).__name__ != "CoveragePhaseData":
            return True  # other phases are sized by max_examples
        if str(data.description).startswith("Unspecified HTTP method"):
            # one undocumented method per path, beside the quota (they come last)
            if case.operation.path in self.methods_probed:
                return False
            self.methods_probed.add(case.operation.path)
            return True
        label = f"{case.operation.method.upper()} {case.operation.path}"
        kept = self.kept.get(label, 0)
        if kept >= self.quota:
            return False
        mode = str(getattr(getattr(meta, "generation", None), "mode", ""))
        target = (mode, f"{data.parameter_location}:{data.parameter}")
        seen = self.targets.setdefault(label, set())
        if target in seen:
            return False  # breadth: one case per parameter (or body) and mode
        seen.add(target)
        self.kept[label] = kept + 1
        return True


def _exchange(state: SuiteState, response: Any, label: str) -> Exchange:
    """A Schemathesis response (with its `requests.PreparedRequest`) as one of our exchanges."""
    request = response.request
    headers = {k: (v[0] if isinstance(v, list) else v) for k, v in response.headers.items()}
    sent = {str(k): str(v) for k, v in dict(request.headers or {}).items()}
    token = sent.get("Authorization") or sent.get("authorization")
    role = "none" if not token else "crafted"
    if token == f"Bearer {state.config.token}":
        role = "main"
    shown = {
        k: v for k, v in sent.items() if k.lower() in ("accept", "content-type", "authorization")
    }
    body = request.body.encode() if isinstance(request.body, str) else request.body
    return Exchange(
        str(request.method),
        str(request.url),
        role,
        shown,
        body,
        response.status_code,
        httpx.Headers(headers),
        response.content,
        label,
    )


def run_schemathesis(ctx: RuleContext) -> dict[str, list[tuple[str, str, str]]]:
    """Run every phase once per suite run; failures per rule as (operation, detail, curl)."""
    cached = ctx.state.cache.get("schemathesis")
    if isinstance(cached, Exception):
        raise cached
    if cached is not None:
        return cached
    try:
        return _run_schemathesis(ctx)
    except Exception as exc:
        ctx.state.cache["schemathesis"] = exc
        raise


def _collect(
    state: SuiteState,
    event: Any,
    found: dict[str, list[tuple[str, str, str]]],
    counts: dict[str, int],
    bounds: dict[str, list[tuple[str, str]]],
) -> None:
    documented = state.cache.get("documented_methods")
    if documented is None:
        documented = {path: set(methods) for path, methods in state.contract.paths().items()}
        state.cache["documented_methods"] = documented
    """Fold one scenario's check results into the rules. A request answered 429 was never
    judged (the window was spent), and valid-looking data with from after to is invalid by a
    documented rule the schema cannot express: neither counts."""
    from schemathesis.engine import Status

    recorder = event.recorder
    for case_id, nodes in recorder.checks.items():
        interaction = recorder.interactions.get(case_id)
        response = getattr(interaction, "response", None)
        if response is not None and response.status_code == 429:
            continue
        node_case = recorder.cases.get(case_id)
        case = getattr(node_case, "value", None)
        inverted = False
        if case is not None:
            label = f"{case.method.upper()} {case.operation.path}"
            query = dict(case.query or {})
            swapped = dict(query)
            ordered_bounds(swapped, bounds.get(label, []))
            inverted = swapped != query
        for node in nodes:
            rule_id = CHECK_RULES.get(node.name)
            if rule_id is None or (inverted and node.name == "positive_data_acceptance"):
                continue
            if not _applies(node.name, recorder, case_id, case, documented):
                continue
            counts[rule_id] += 1
            if node.status == Status.FAILURE and node.failure_info is not None:
                failure = node.failure_info.failure
                detail = f"{failure.title}: {failure.message}".strip()
                found[rule_id].append(
                    (
                        failure.operation or recorder.label,
                        _redact(detail, state)[:1500],
                        _redact(node.failure_info.code_sample, state),
                    )
                )


def _applies(
    check: str, recorder: Any, case_id: str, case: Any, documented: dict[str, set[str]]
) -> bool:
    """Whether a check could judge this case at all (Schemathesis runs every check on every
    response; some pass vacuously): an undocumented method for GEN-008, a read that follows a
    create for GEN-009. A rule that judged nothing is then skipped, never passed."""
    if check in ("unsupported_method", "allow_header_conformance"):
        if case is None:
            return False
        return case.method.upper() not in documented.get(case.operation.path, set())
    if check == "ensure_resource_availability":
        parent = recorder.find_parent(case_id=case_id)
        if parent is None or parent.operation.method.upper() != "POST":
            return False
        answer = recorder.find_response(case_id=parent.id)
        return answer is not None and 200 <= answer.status_code < 300
    return True


def _run_schemathesis(ctx: RuleContext) -> dict[str, list[tuple[str, str, str]]]:
    import schemathesis
    from hypothesis import configuration
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema

    state = ctx.state
    if not ctx.config.read_only:
        ctx.fixtures  # noqa: B018 - the records writes are kept to
    team_before = state.cache.get("team") or {}
    guard = _Guard(ctx)
    settings = resize_generated(state, later_rules=RATE_RULE_REQUESTS)
    if settings is not None:
        state.cache["generated_settings"] = settings
    config = SchemathesisConfig.from_dict(
        schemathesis_config(
            ctx.config.max_examples, ctx.config.seed, ctx.config.read_only, settings
        )
    )
    schema = schemathesis.openapi.from_path(str(document_path()), config=config)
    schema.config.update(
        base_url=ctx.config.base_url,
        headers={"Authorization": f"Bearer {ctx.config.token}", "Accept": "application/json"},
    )
    if ctx.config.read_only:
        schema = schema.include(method="GET")
    observe = state.cache.get("observe")

    bounds = {
        op.label: [
            (lo.name, hi.name)
            for lo in op.filters
            for hi in op.filters
            if lo.op == "gte" and hi.op == "lt" and lo.field == hi.field
        ]
        for op in ctx.contract.list_operations()
    }

    @schema.hook
    def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
        operation = getattr(context, "operation", None)
        if operation is not None:
            ordered_bounds(query, bounds.get(f"{operation.method.upper()} {operation.path}", []))
        return query

    sample = CoverageSample(settings.coverage_per_operation if settings else None)

    @schema.hook
    def filter_case(context: Any, case: Any) -> bool:
        return sample.keep(case)

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        exchange = _exchange(state, response, f"{case.method} {case.path}")
        guard.created(exchange)
        if observe is not None:
            observe(exchange)

    _hooks_registered()
    found: dict[str, list[tuple[str, str, str]]] = {rule_id: [] for rule_id in CHECK_RULES.values()}
    counts: dict[str, int] = dict.fromkeys(found, 0)
    notes = state.cache.setdefault("notes", [])
    _ACTIVE["guard"] = guard
    scratch = tempfile.TemporaryDirectory(prefix="sk-conformance-")
    configuration.set_hypothesis_home_dir(scratch.name)  # keep .hypothesis/ out of the cwd
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _collect(state, event, found, counts, bounds)
            elif isinstance(event, events.RateLimitRetry):
                on_wait = state.api.on_wait
                if on_wait is not None:
                    on_wait(event.delay)
            elif isinstance(event, events.NonFatalError):
                notes.append(f"Schemathesis could not test {event.label}: {event.info.message}")
            elif isinstance(event, events.FatalError):
                notes.append(f"Schemathesis stopped: {event.exception}")
    finally:
        configuration.set_hypothesis_home_dir(None)
        scratch.cleanup()
        _ACTIVE.pop("guard", None)
        if team_before and not ctx.config.read_only:
            editable = {
                k: team_before[k]
                for k in ("name", "slug", "timezone", "currency", "invoice_prefix")
                if k in team_before
            }
            with suppress(Exception):
                ctx.api.put("/team", editable, operation="PUT /team")
    state.cache["schemathesis"] = found
    state.cache["schemathesis_counts"] = counts
    return found


def _report(ctx: RuleContext, rule_id: str) -> None:
    found = run_schemathesis(ctx)
    count = ctx.state.cache["schemathesis_counts"].get(rule_id, 0)
    if not count:
        ctx.skip("Schemathesis generated no request this check applies to")
    ctx.checked(count)
    for operation, detail, curl in found.get(rule_id, []):
        ctx.result.add_failure(Failure(operation, detail, curl))


def _generated(rule_id: str, title: str, severity: str, verifies: list[str]) -> None:
    def check(ctx: RuleContext) -> None:
        _report(ctx, rule_id)

    check.__name__ = f"generated_{rule_id.replace('-', '_').lower()}"
    rule(rule_id, title, verifies=verifies, severity=severity)(check)


_generated("GEN-001", "No generated request, valid or not, gets a 5xx", CRITICAL, ["REQ-ERR-10"])
_generated(
    "GEN-002",
    "Every response body matches the schema the document declares for its status",
    MAJOR,
    ["REQ-WIRE-05", "REQ-WIRE-04"],
)
_generated(
    "GEN-003", "Every response status is one the operation documents", MAJOR, ["REQ-WIRE-06"]
)
_generated(
    "GEN-004",
    "Every response Content-Type is the documented application/json",
    MINOR,
    ["REQ-WIRE-01", "REQ-WIRE-06"],
)
_generated(
    "GEN-005",
    "Documented response headers are present and match their schemas "
    "(X-RateLimit-*, Retry-After, WWW-Authenticate)",
    MINOR,
    ["REQ-WIRE-06", "REQ-RATE-02"],
)
_generated(
    "GEN-006",
    "Requests that break the schema are rejected (400, 404, 415 or 422)",
    MAJOR,
    ["REQ-ERR-11", "REQ-COST-01"],
)
_generated(
    "GEN-007",
    "Requests that satisfy the schema are accepted (2xx, or 404/422 for "
    "unknown ids and business rules)",
    MAJOR,
    ["REQ-ERR-11"],
)
_generated("GEN-008", "Undocumented methods answer 405 with an Allow header", MINOR, ["REQ-ERR-03"])
_generated(
    "GEN-009",
    "Stateful sequences: what a create returns can be read back",
    MAJOR,
    ["REQ-RES-01"],
)
