"""How a handler is called: its arguments from the request, its answer as JSON.

Connexion's `AsyncOperation` rebuilds its decorator chain on every request: the parameter
decorator inspects the handler's signature, copies the query defaults and looks up every
parameter definition; the response decorator works out the content type again. None of that
depends on the request, so an `Endpoint` settles it once, when the API is added, and a
request only reads and converts values. Routing, security and validation stay Connexion's
middleware, which run before an endpoint is reached: an endpoint sees a valid request.

A handler names what it takes: `ctx` (the `RequestContext` the token check bound), path
parameters by name, `body`, and `query` (a list operation's `ListQuery`, built from the
operation the endpoint holds).
"""

from __future__ import annotations

import inspect
import json
import typing as t
from dataclasses import dataclass

import orjson
from connexion import NoContent
from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncApp, AsyncASGIApp
from connexion.decorators.parameter import sanitized, unwrap_decorators
from connexion.operations import AbstractOperation
from connexion.utils import TYPE_MAP
from schedulingkit.openapi.contract import Operation as SpecOperation
from schedulingkit.openapi.contract import load_contract
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from ..data.listing import ListQuery
from .public_url import created_location, request_url
from .request_state import BODY_KEY, query_params
from .security import CONTEXT_KEY

_JSON_HEADERS = [(b"content-type", b"application/json")]


@dataclass(frozen=True)
class Parameter:
    """A query or path parameter: where the handler finds it, how its text is converted."""

    name: str
    argument: str
    convert: t.Callable[[str], t.Any]
    default: t.Any = None
    has_default: bool = False

    @classmethod
    def from_definition(cls, definition: dict) -> Parameter:
        schema = definition.get("schema", {})
        kind = schema.get("type", "string")
        if kind not in TYPE_MAP or kind in ("array", "object"):
            raise ValueError(f"parameter {definition['name']}: {kind} values are not supported")
        return cls(
            name=definition["name"],
            argument=sanitized(definition["name"]),
            convert=TYPE_MAP[kind],
            default=schema.get("default"),
            has_default="default" in schema,
        )


class Endpoint:
    """One operation's handler, called with converted path parameters, `body`, the request
    context as `ctx`, and either the query parameters it names (defaults filled in) or,
    when it takes `query`, all of them as the list operation's `ListQuery`."""

    def __init__(self, operation: AbstractOperation) -> None:
        self.function = operation.function
        names = set(inspect.signature(unwrap_decorators(self.function)).parameters)
        self.takes_ctx = "ctx" in names
        self.list_operation: SpecOperation | None = None
        if "query" in names:
            self.list_operation = load_contract().operation(operation.operation_id)
        definitions = operation.parameters
        self.path = [Parameter.from_definition(d) for d in definitions if d["in"] == "path"]
        self.query = [
            p
            for p in (Parameter.from_definition(d) for d in definitions if d["in"] == "query")
            if self.list_operation is not None or p.argument in names
        ]
        self.takes_body = operation.is_request_body_defined and "body" in names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kwargs = await self.arguments(scope, receive)
        answer = await self.function(**kwargs)
        status, body = _unpack(answer)
        # as Starlette's Response does: Content-Length (else the server would chunk the body),
        # none at all on a 204
        headers = [*_JSON_HEADERS, (b"content-length", b"%d" % len(body))] if body else []
        if status == 201:  # the created resource's own URL
            location = created_location(scope, answer)
            if location is not None:
                headers.append((b"location", location.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def arguments(self, scope: Scope, receive: Receive) -> dict[str, t.Any]:
        kwargs: dict[str, t.Any] = {}
        path_values = scope.get("path_params", {})
        for parameter in self.path:
            kwargs[parameter.argument] = parameter.convert(path_values[parameter.name])
        if self.query:
            sent = query_params(scope)
            args: dict[str, t.Any] = {}
            for parameter in self.query:
                values = sent.getlist(parameter.name)
                if values:
                    args[parameter.argument] = parameter.convert(values[-1])
                elif parameter.has_default:
                    args[parameter.argument] = parameter.default
            if self.list_operation is None:
                kwargs.update(args)
            else:
                kwargs["query"] = ListQuery(
                    operation=self.list_operation,
                    args=args,
                    path_url=request_url(scope),
                    query_items=tuple(sent.multi_items()),
                )
        if self.takes_body:
            if BODY_KEY in scope:  # parsed, validated and given its defaults already
                kwargs["body"] = scope[BODY_KEY]
            else:
                raw = await Request(scope, receive).body()
                kwargs["body"] = json.loads(raw) if raw else None
        if self.takes_ctx:
            context = scope.get("extensions", {}).get("connexion_context", {})
            kwargs["ctx"] = context["token_info"][CONTEXT_KEY]
        return kwargs


def _unpack(answer: t.Any) -> tuple[int, bytes]:
    """A handler's `data`, `(data, status)` or `(NoContent, 204)` as status and JSON bytes."""
    data, status = answer if isinstance(answer, tuple) else (answer, None)
    if data is None or data is NoContent:
        return status or 204, b""
    return status or 200, json_bytes(data)


def json_bytes(data: t.Any) -> bytes:
    """The wire form of every JSON answer: compact UTF-8 (orjson: a list page is encoded in
    a tenth of the time the standard library takes)."""
    return orjson.dumps(data)


class EndpointApi(AsyncApi):
    def make_operation(self, operation: AbstractOperation) -> Endpoint:
        return Endpoint(operation)


class EndpointASGIApp(AsyncASGIApp):
    api_cls = EndpointApi


class EndpointApp(AsyncApp):
    """Connexion's `AsyncApp` whose operations are `Endpoint`s.

    `AsyncApp.__init__` only creates its inner app and hands every option to `AbstractApp`;
    this does the same with the endpoint app.
    """

    def __init__(self, import_name: str, **options: t.Any) -> None:
        self._middleware_app = EndpointASGIApp()
        AbstractApp.__init__(self, import_name, **options)
