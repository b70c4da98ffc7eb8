"""Rules over responses: success status and body, the error responses every operation can
give, their shared components, the `Error` schema and the headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from schedulingkit.openapi import pointer as jp
from schedulingkit.spec import schemas
from schedulingkit.spec.loader import Document, mapping
from schedulingkit.spec.objects import (
    Located,
    Operation,
    is_list,
    json_schema,
    operation_parameters,
    operations,
    responses,
)
from schedulingkit.spec.registry import Finding, Rule, registrar

RULES: list[Rule] = []
rule = registrar(RULES)

ERROR_SCHEMA = "#/components/schemas/Error"
BODY_EXPRESSION = "$response.body#"
SUCCESS_STATUS = {"get": ("200",), "put": ("200",), "post": ("201",), "delete": ("204",)}
# DELETE removes the row (204), except where the contract makes it a cancellation that
# keeps the resource readable and answers it (200).
CANCELLED_BY_DELETE = ("events",)
RATE_LIMIT = ("X-RateLimit-Limit", "X-RateLimit-Remaining")
# Headers each response must declare; 401 is answered before the rate limiter counts.
HEADERS_BY_STATUS = {
    "401": ("WWW-Authenticate",),
    "429": ("Retry-After", *RATE_LIMIT, "X-RateLimit-Reset"),
    **{status: RATE_LIMIT for status in ("400", "403", "404", "422")},
}
# The exact messages of the contract where it fixes them (openapi/requirements.yaml).
ERROR_MESSAGES = {
    "401": "Unauthenticated.",
    "429": "Too Many Attempts.",
    "500": "Server Error",
    "503": "Service Unavailable.",
}


def expected_errors(document: Document, operation: Operation) -> list[str]:
    """The error statuses an operation can answer, from its shape."""
    has_body = "requestBody" in operation.node
    statuses = []
    if operation_parameters(document, operation) or has_body:
        statuses.append("400")  # a parameter fails its schema, or the body is not JSON
    statuses += ["401", "403"]
    if operation.has_path_parameters:
        statuses.append("404")
    if has_body:
        statuses += ["413", "422"]  # a body over the size limit; a body failing its schema
    return [*statuses, "429", "500"]


@rule("SPEC-020", "Success: GET/PUT 200, POST 201, DELETE 204 (200 where it cancels), one 2xx.")
def success_status(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        allowed = SUCCESS_STATUS.get(operation.method, ("200",))
        if operation.method == "delete":
            allowed = ("200",) if operation.resource in CANCELLED_BY_DELETE else ("204",)
        declared = [code for code in responses(document, operation) if code.startswith("2")]
        base = jp.join(operation.pointer, "responses")
        if not declared:
            yield jp.join(base, allowed[0]), f"{operation.label} declares no success response"
        for code in declared:
            if code not in allowed or len(declared) > 1:
                yield jp.join(base, code), f"{operation.label} must answer only {list(allowed)}"


@rule("SPEC-021", "A single-resource success body is JSON {data: <$ref schema>}; 204 has no body.")
def single_body(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        for code, response in responses(document, operation).items():
            if not code.startswith("2"):
                continue
            if code == "204":
                if response.node.get("content"):
                    yield jp.join(response.pointer, "content"), "a 204 response has no body"
                continue
            if is_list(document, operation):
                continue  # SPEC-032
            yield from _data_envelope(document, response)


def _data_envelope(document: Document, response: Located) -> Iterator[Finding]:
    body = json_schema(document, response)
    pointer = jp.join(response.pointer, "content", "application/json", "schema")
    if set(mapping(response.node.get("content"))) != {"application/json"}:
        yield jp.join(response.pointer, "content"), "the only media type is application/json"
    if body is None:
        yield pointer, "needs an application/json schema"
        return
    names = schemas.properties(document, body.node, body.pointer)
    data = names.get("data")
    if set(names) != {"data"} or "data" not in schemas.required(document, body.node, body.pointer):
        yield body.pointer, "must be an object with exactly one, required, property: data"
    elif not (isinstance(data[0], dict) and "$ref" in data[0]):
        yield data[1], "data must be a $ref to the resource's component schema"


@rule(
    "SPEC-022", "Every operation declares each error it can give (400/401/403/404/413/422/429/500)."
)
def error_responses_present(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        declared = {str(code) for code in mapping(operation.node.get("responses"))}
        for status in expected_errors(document, operation):
            if status not in declared:
                reason = f"{operation.label} can answer {status} but does not declare it"
                yield jp.join(operation.pointer, "responses", status), reason


@rule("SPEC-023", "Error responses are shared components with the Error schema and an example.")
def error_responses_shared(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        for code, raw in mapping(operation.node.get("responses")).items():
            if str(code)[0] not in "45":
                continue
            pointer = jp.join(operation.pointer, "responses", str(code))
            if not (
                isinstance(raw, dict)
                and str(raw.get("$ref", "")).startswith("#/components/responses/")
            ):
                yield pointer, "must be a $ref to a shared response in /components/responses"
                continue
            response = Located(*document.deref(raw, pointer))
            yield from _error_media(document, response)


def _error_media(document: Document, response: Located) -> Iterator[Finding]:
    content = mapping(response.node.get("content"))
    media = content.get("application/json")
    media_pointer = jp.join(response.pointer, "content", "application/json")
    if set(content) != {"application/json"} or not isinstance(media, dict):
        yield (
            jp.join(response.pointer, "content"),
            "must have exactly one media type: application/json",
        )
        return
    if mapping(media.get("schema")).get("$ref") != ERROR_SCHEMA:
        yield jp.join(media_pointer, "schema"), f"schema must be $ref {ERROR_SCHEMA}"
    if "example" not in media and not media.get("examples"):
        yield media_pointer, "needs an example of this error's body"


@rule(
    "SPEC-024",
    "Headers: WWW-Authenticate on 401, Location on 201, Retry-After and X-RateLimit-* on 429 "
    "and others.",
)
def response_headers(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        for code, response in responses(document, operation).items():
            wanted = RATE_LIMIT if code.startswith("2") else HEADERS_BY_STATUS.get(code, ())
            if code == "201":  # where the created resource lives
                wanted = (*wanted, "Location")
            declared = {str(name).lower() for name in mapping(response.node.get("headers"))}
            for name in wanted:
                if name.lower() not in declared:
                    yield jp.join(response.pointer, "headers", name), f"{code} must declare {name}"


@rule("SPEC-025", "The Error schema is {message: string (required), errors?: {key: [string]}}.")
def error_schema(document: Document) -> Iterator[Finding]:
    pointer = "/components/schemas/Error"
    schema = document.get(pointer)
    if not isinstance(schema, dict):
        yield pointer, "the shared Error schema is missing"
        return
    props = schemas.properties(document, schema, pointer)
    message, errors = props.get("message"), props.get("errors")
    if set(props) != {"message", "errors"} or schemas.required(document, schema, pointer) != {
        "message"
    }:
        yield pointer, "must have properties message (required) and errors (optional), no others"
        return
    if schemas.keyword(document, *message, "type") != "string":
        yield message[1], "message must be a string"
    values = schemas.keyword(document, *errors, "additionalProperties")
    items = values.get("items") if isinstance(values, dict) else None
    if (
        schemas.keyword(document, *errors, "type") != "object"
        or not isinstance(values, dict)
        or values.get("type") != "array"
        or not isinstance(items, dict)
        or items.get("type") != "string"
    ):
        yield errors[1], "errors must be an object whose values are arrays of strings"


@rule("SPEC-026", "Error examples carry the contract's fixed messages (401, 429, 500).")
def error_messages(document: Document) -> Iterator[Finding]:
    for operation in operations(document):
        for code, response in responses(document, operation).items():
            expected = ERROR_MESSAGES.get(code)
            media = mapping(response.node.get("content")).get("application/json")
            if expected is None or not isinstance(media, dict):
                continue
            base = jp.join(response.pointer, "content", "application/json")
            found = [(jp.join(base, "example"), media["example"])] if "example" in media else []
            for name, example in mapping(media.get("examples")).items():
                if isinstance(example, dict) and "value" in example:
                    found.append((jp.join(base, "examples", name, "value"), example["value"]))
            for pointer, value in found:
                if not isinstance(value, dict) or value.get("message") != expected:
                    yield pointer, f"a {code} answers {{'message': {expected!r}}}"


@rule("SPEC-027", "Response links name an operationId, its parameters, and body fields that exist.")
def response_links(document: Document) -> Iterator[Finding]:
    targets = {op.node.get("operationId"): op for op in operations(document)}
    for operation in operations(document):
        for response in responses(document, operation).values():
            for name, link in mapping(response.node.get("links")).items():
                pointer = jp.join(response.pointer, "links", name)
                yield from _link(document, targets, response, mapping(link), pointer)


def _link(
    document: Document,
    targets: dict[Any, Operation],
    response: Located,
    link: dict[str, Any],
    pointer: str,
) -> Iterator[Finding]:
    target = targets.get(link.get("operationId"))
    if target is None:
        yield jp.join(pointer, "operationId"), f"no operation {link.get('operationId')!r}"
        return
    accepted = {name for _, name in operation_parameters(document, target)}
    body = json_schema(document, response)
    for name, expression in mapping(link.get("parameters")).items():
        at = jp.join(pointer, "parameters", name)
        if name not in accepted:
            yield at, f"{target.label} has no parameter {name!r}"
        elif isinstance(expression, str) and expression.startswith(BODY_EXPRESSION):
            fields = expression[len(BODY_EXPRESSION) :]
            if body is None or not _body_has(document, body, fields):
                yield at, f"the response body has no {fields!r}"


def _body_has(document: Document, body: Located, pointer: str) -> bool:
    """Whether a JSON pointer into a body can resolve, following the body's schema."""
    schema, at = body.node, body.pointer
    for token in jp.split(pointer):
        schema, at = document.deref(schema, at)
        if isinstance(schema, dict) and schema.get("type") == "array" and token.isdigit():
            schema, at = schema.get("items"), jp.join(at, "items")
            continue
        found = schemas.properties(document, schema, at).get(token)
        if found is None:
            return False
        schema, at = found
    return True
