"""TEN: a token never sees or touches another team's records; they answer 404 like unknown ids."""

from __future__ import annotations

from schedulingkit.conformance.catalogue import CRITICAL, OTHER_TEAM, WRITE, rule
from schedulingkit.conformance.checks import validation_problems
from schedulingkit.conformance.context import RuleContext
from schedulingkit.conformance.contract import Operation
from schedulingkit.conformance.probes import collection_of, walk


def _first_team_ids(ctx: RuleContext) -> dict[str, list[int]]:
    """The suite's records of the first team per collection, transactions included."""
    fixtures = ctx.fixtures
    ids = {c: fixtures.ids(c) for c in fixtures.created}
    op = ctx.contract.find("GET", "/transactions")
    per_page = op.paging.max_per_page if op is not None else 1
    listing = ctx.api.get("/transactions", params={"search": fixtures.marker, "per_page": per_page})
    if isinstance(listing.data, list):
        ids["/transactions"] = [t["id"] for t in listing.data if isinstance(t.get("id"), int)]
    return ids


@rule(
    "TEN-001",
    "With a second team's token, every id route answers 404 for the first "
    "team's records (reads, updates, deletes, nested lists), and the records stay unchanged",
    verifies=["REQ-TEN-01"],
    severity=CRITICAL,
    needs=[WRITE, OTHER_TEAM],
)
def other_team_gets_404(ctx: RuleContext) -> None:
    ids = _first_team_ids(ctx)
    by_record: dict[str, list[Operation]] = {}
    for op in ctx.contract.operations:
        if op.path_params:
            for target in ids.get(collection_of(op), [])[:1]:
                by_record.setdefault(f"{collection_of(op)}/{target}", []).append(op)
    for record, ops in by_record.items():
        target = record.rsplit("/", 1)[1]
        writes = [op for op in ops if op.writes]
        # reads change nothing; the record is read before and after the writes
        before = ctx.api.get(record) if writes else None
        for op in ops:
            path = op.url_path(**{op.path_params[0]: target})
            body = {"json": {}} if op.request_schema is not None else {}
            exchange = ctx.other.request(op.method, path, operation=op.label, **body)
            ctx.checked()
            for problem in validation_problems(exchange, 404, []):
                ctx.fail(
                    op.label,
                    f"first team's {path} with the second team's token: {problem}",
                    exchange,
                )
        if before is not None:
            after = ctx.api.get(record)
            ctx.expect(
                before.content == after.content,
                ", ".join(op.label for op in writes),
                f"the second team's {', '.join(op.method for op in writes)} changed the first "
                f"team's {record}",
                after,
            )


@rule(
    "TEN-002",
    "With a second team's token, no list shows the first team's records "
    "(searched by the suite's marker and filtered by the first team's ids)",
    verifies=["REQ-TEN-02"],
    severity=CRITICAL,
    needs=[WRITE, OTHER_TEAM],
)
def lists_are_separate(ctx: RuleContext) -> None:
    ids = _first_team_ids(ctx)
    for op in ctx.contract.list_operations():
        if op.path_params:
            continue
        mine = set(ids.get(collection_of(op), []))
        queries = [{}]
        search = next((f for f in op.filters if f.op == "search"), None)
        if search is not None:
            queries.append({search.name: ctx.state.marker})
        for flt in op.filters:  # filters by the first team's ids (client_id=...)
            target = "/" + flt.field.removesuffix("_id").replace("_", "-") + "s"
            if flt.op == "eq" and flt.field.endswith("_id") and ids.get(target):
                queries.append({flt.name: ids[target][0]})
        for params in queries:
            result = walk(ctx.other, op, op.path, params, max_pages=3)
            leaked = [i.get("id") for i in result.items if i.get("id") in mine]
            marked = [i.get("id") for i in result.items if ctx.state.marker in str(i)]
            ctx.expect(
                not leaked and not marked,
                op.label,
                f"the second team sees the first team's records {leaked or marked} "
                f"(query {params})",
                result.pages[-1],
            )


def referenced_collection(field_name: str) -> str:
    """`event_type_id` -> `/event-types`: the collection a reference field names."""
    return "/" + field_name.removesuffix("_id").replace("_", "-") + "s"


@rule(
    "TEN-003",
    "A body that refers to another team's records (event_type_id, client_id, ...) answers 422 "
    "naming every such field, and creates nothing",
    verifies=["REQ-TEN-03"],
    severity=CRITICAL,
    needs=[WRITE, OTHER_TEAM],
)
def foreign_references_rejected(ctx: RuleContext) -> None:
    fixtures = ctx.fixtures
    tried = False
    for op in ctx.contract.operations:
        if op.method != "POST" or not fixtures.records(op.path):
            continue

        def references(body: dict) -> list[str]:
            return [
                name
                for name, value in body.items()
                if name.endswith("_id") and fixtures.owns(referenced_collection(name), value)
            ]

        body = dict(
            max((r.body for r in fixtures.records(op.path)), key=lambda b: len(references(b)))
        )
        refs = references(body)
        if not refs:
            continue
        tried = True
        for key in ("slug", "name", "title"):
            if isinstance(body.get(key), str):
                body[key] += "-other-team"
        exchange = ctx.other.post(op.path, body, operation=op.label)
        if exchange.status == 201 and isinstance(exchange.data, dict):
            _remove_as_other_team(ctx, op.path, exchange.data.get("id"))
        ctx.checked()
        for problem in validation_problems(exchange, 422, refs):
            ctx.fail(
                op.label,
                f"the second team referring to the first team's {refs}: {problem}",
                exchange,
            )
    if not tried:
        ctx.skip("no fixture body refers to other records")


def _remove_as_other_team(ctx: RuleContext, collection: str, record_id: object) -> None:
    """Undo what a deployment that ignored tenancy created in the second team."""
    path = f"{collection}/{record_id}"
    if ctx.contract.find("DELETE", f"{collection}/{{id}}") is not None:
        ctx.other.delete(path)
    elif ctx.contract.find("PUT", f"{collection}/{{id}}") is not None:
        ctx.other.put(path, {"status": "cancelled"})
