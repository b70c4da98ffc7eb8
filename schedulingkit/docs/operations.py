"""Reading one operation of the document into a `model.Operation`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from schedulingkit.docs.curl import curl_command
from schedulingkit.docs.examples import NO_EXAMPLE, media_example, schema_example
from schedulingkit.docs.model import Body, Header, Operation, Parameter, Response
from schedulingkit.docs.refs import Resolver, ref_name
from schedulingkit.docs.schemas import (
    PAGINATION,
    constraints,
    enum_values,
    field_rows,
    type_label,
)
from schedulingkit.docs.wording import (
    filter_sentence,
    json_text,
    ordering_sentence,
    scopes_sentence,
)
from schedulingkit.openapi.contract import Contract, parameter_objects
from schedulingkit.openapi.contract import Operation as ContractOperation

JSON_TYPES = ("application/json",)


def _example_text(value: Any) -> str | None:
    return None if value is NO_EXAMPLE else json_text(value)


def _plain(value: Any) -> str | None:
    """A parameter example as it is written in a URL (`42`, `true`, `group`)."""
    if value is NO_EXAMPLE:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def parameters(resolver: Resolver, contract: Contract, op: ContractOperation) -> list[Parameter]:
    """The path item's and the operation's parameters (the operation's win), in order, as
    written (a schema keeps its `$ref`, which names its type)."""
    found = []
    for node, _ in parameter_objects(contract.raw, op.path, op.method.lower()):
        schema = node.get("schema") or {}
        example = node["example"] if "example" in node else schema_example(resolver, schema)
        found.append(
            Parameter(
                name=node["name"],
                location=node["in"],
                type=type_label(resolver, schema),
                required=bool(node.get("required")),
                description=str(node.get("description") or ""),
                enum=enum_values(resolver, schema),
                constraints=constraints(resolver, schema),
                filter=filter_sentence(op.filter(node["name"])),
                example=_plain(example),
            )
        )
    return found


def body(resolver: Resolver, content: dict | None) -> tuple[Body | None, Any]:
    """The JSON body of a request or response (its rows and example), and the raw example."""
    if not content:
        return None, NO_EXAMPLE
    content_type = next((name for name in content if name in JSON_TYPES), next(iter(content)))
    media = resolver.resolve(content[content_type]) or {}
    schema = media.get("schema") or {}
    example = media_example(resolver, media)
    rows = list(field_rows(resolver, schema))
    paginated = tuple(row.path for row in rows if row.see == PAGINATION)
    pagination = [
        row
        for row in field_rows(resolver, schema, expand_pagination=True)
        if row.path.startswith(paginated) and paginated
    ]
    return (
        Body(
            content_type=content_type,
            schema_name=ref_name(schema),
            rows=rows,
            example=_example_text(example),
            pagination=pagination,
        ),
        example,
    )


def headers(resolver: Resolver, raw: dict | None) -> list[Header]:
    """A response's headers, each resolved."""
    found = []
    for name, node in (raw or {}).items():
        node = resolver.resolve(node)
        found.append(
            Header(
                name=name,
                type=type_label(resolver, node.get("schema") or {}),
                description=str(node.get("description") or ""),
            )
        )
    return found


def response(resolver: Resolver, status: str, raw: Any) -> Response:
    """One entry of an operation's `responses`."""
    node = resolver.resolve(raw)
    response_body, _ = body(resolver, node.get("content"))
    return Response(
        status=status,
        description=str(node.get("description") or ""),
        shared_name=ref_name(raw),
        body=response_body,
        headers=headers(resolver, node.get("headers")),
    )


def _is_success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


def example_url(base_url: str, path: str, params: list[Parameter]) -> str:
    """The operation's URL with path parameters and required query parameters filled in."""
    for param in params:
        if param.location == "path":
            value = param.example if param.example is not None else param.name
            path = path.replace("{" + param.name + "}", quote(value, safe=""))
    query = [
        f"{quote(p.name)}={quote(p.example or '')}"
        for p in params
        if p.location == "query" and p.required
    ]
    return base_url.rstrip("/") + path + ("?" + "&".join(query) if query else "")


def operation(
    resolver: Resolver, contract: Contract, op: ContractOperation, base_url: str
) -> Operation:
    """Everything a page shows about one operation of the contract."""
    raw = op.node
    params = parameters(resolver, contract, op)
    request_body = resolver.resolve(raw.get("requestBody")) or {}
    request, request_example = body(resolver, request_body.get("content"))
    statuses = sorted((str(code) for code in raw.get("responses") or {}), key=str)
    responses = [response(resolver, status, _status_node(raw, status)) for status in statuses]
    authenticated = any(op.security)
    return Operation(
        method=op.method,
        path=op.path,
        operation_id=op.operation_id or f"{op.method.lower()}{op.path}",
        summary=op.summary,
        description=op.description,
        tag=op.tag or "Other",
        scopes=list(op.scopes),
        scopes_text=scopes_sentence(op.scopes),
        authenticated=authenticated,
        ordering=ordering_sentence(op.ordering),
        parameters=params,
        request=request,
        request_description=str(request_body.get("description") or ""),
        successes=[r for r in responses if _is_success(r.status)],
        errors=[r for r in responses if not _is_success(r.status)],
        curl=curl_command(
            op.method,
            example_url(base_url, op.path, params),
            authenticated=authenticated,
            body=None if request_example is NO_EXAMPLE else request_example,
            has_body=request is not None,
        ),
    )


def _status_node(raw: dict, status: str) -> Any:
    """A response by status, whether YAML read the key as a string or an integer."""
    responses = raw.get("responses") or {}
    return responses[status] if status in responses else responses[int(status)]
