"""Finding the OpenAPI objects rules look at: operations, parameters, responses, headers,
media types, each with the pointer where it is written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from schedulingkit.openapi import pointer as jp
from schedulingkit.openapi.contract import HTTP_METHODS, operation_nodes
from schedulingkit.spec import schemas
from schedulingkit.spec.loader import Document, mapping, sequence

PAGINATION_PARAMETERS = ("page", "per_page")
_PATH_PARAMETER = re.compile(r"^\{[^}]+\}$")


@dataclass(frozen=True)
class Located:
    """An object of the document (after `$ref`s) and the pointer where it is written."""

    node: Any
    pointer: str


@dataclass(frozen=True)
class Operation:
    """One operation: `GET /events` is `path="/events"`, `method="get"`."""

    path: str
    method: str
    node: dict[str, Any]
    pointer: str

    @property
    def segments(self) -> list[str]:
        return [segment for segment in self.path.split("/") if segment]

    @property
    def resource(self) -> str:
        """The resource an operation belongs to: the first segment of its path."""
        return self.segments[0] if self.segments else ""

    @property
    def has_path_parameters(self) -> bool:
        return any(_PATH_PARAMETER.match(segment) for segment in self.segments)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(document: Document) -> list[Operation]:
    """Every operation, in document order."""
    return [
        Operation(path, method, node, jp.join("/paths", path, method))
        for path, method, node in operation_nodes(document.raw)
    ]


def operation_parameters(
    document: Document, operation: Operation
) -> dict[tuple[str, str], Located]:
    """The parameters of an operation, path-level ones first, keyed by `(in, name)`;
    each is resolved and carries the pointer of its definition."""
    found: dict[tuple[str, str], Located] = {}
    path_item = jp.join("/paths", operation.path)
    for base in (path_item, operation.pointer):
        for index, parameter in enumerate(sequence(document.get(jp.join(base, "parameters")))):
            node, pointer = document.deref(parameter, jp.join(base, "parameters", index))
            if isinstance(node, dict):
                found[(node.get("in", ""), node.get("name", ""))] = Located(node, pointer)
    return found


def query_parameters(document: Document, operation: Operation) -> dict[str, Located]:
    """The query parameters of an operation by name."""
    return {
        name: located
        for (where, name), located in operation_parameters(document, operation).items()
        if where == "query"
    }


def parameter_refs(document: Document, operation: Operation) -> list[str]:
    """The `$ref` targets among an operation's (and its path item's) parameters."""
    refs = []
    for base in (jp.join("/paths", operation.path), operation.pointer):
        for parameter in sequence(document.get(jp.join(base, "parameters"))):
            if isinstance(parameter, dict) and isinstance(parameter.get("$ref"), str):
                refs.append(parameter["$ref"])
    return refs


def responses(document: Document, operation: Operation) -> dict[str, Located]:
    """The responses of an operation by status code (as a string), resolved."""
    found = {}
    base = jp.join(operation.pointer, "responses")
    for code, response in mapping(operation.node.get("responses")).items():
        node, pointer = document.deref(response, jp.join(base, str(code)))
        found[str(code)] = Located(node, pointer)
    return found


def success(document: Document, operation: Operation) -> tuple[str, Located] | None:
    """The first 2xx response of an operation."""
    for code, located in responses(document, operation).items():
        if code.startswith("2"):
            return code, located
    return None


def json_schema(document: Document, holder: Located) -> Located | None:
    """The resolved `application/json` schema of a response or request body."""
    media = mapping(holder.node.get("content")).get("application/json")
    if not isinstance(media, dict) or "schema" not in media:
        return None
    pointer = jp.join(holder.pointer, "content", "application/json", "schema")
    node, pointer = document.deref(media["schema"], pointer)
    return Located(node, pointer)


def _data(document: Document, operation: Operation) -> tuple[Any, str] | None:
    """The `data` property of an operation's success body, as written (not resolved)."""
    found = success(document, operation)
    body = json_schema(document, found[1]) if found else None
    if body is None:
        return None
    return schemas.properties(document, body.node, body.pointer).get("data")


def data_schema(document: Document, operation: Operation) -> Located | None:
    """The schema of `data` in an operation's success body."""
    data = _data(document, operation)
    return Located(*document.deref(*data)) if data else None


def data_ref(document: Document, operation: Operation) -> str | None:
    """The `$ref` naming the resource schema of an operation's body: of `data`, or of its
    items for a list."""
    data = _data(document, operation)
    node = data[0] if data else None
    if isinstance(node, dict) and node.get("type") == "array":
        node = node.get("items")
    ref = node.get("$ref") if isinstance(node, dict) else None
    return ref if isinstance(ref, str) else None


def item_schema(document: Document, operation: Operation) -> Located | None:
    """The schema of one item of a list operation's `data` array."""
    data = data_schema(document, operation)
    if data is None or not isinstance(data.node.get("items"), dict):
        return None
    return Located(*document.deref(data.node["items"], jp.join(data.pointer, "items")))


def is_list(document: Document, operation: Operation) -> bool:
    """Whether an operation answers a page of items: any sign of it counts, so a list
    operation that forgets one of its parts is still checked as a list."""
    if operation.method != "get":
        return False
    if "x-ordering" in operation.node:
        return True
    if any(name in query_parameters(document, operation) for name in PAGINATION_PARAMETERS):
        return True
    data = data_schema(document, operation)
    if data is not None and data.node.get("type") == "array":
        return True
    prefix = operation.path.rstrip("/") + "/{"
    last = operation.segments[-1] if operation.segments else ""
    is_collection = any(path.startswith(prefix) for path in mapping(document.get("/paths")))
    return is_collection and not _PATH_PARAMETER.match(last)


def _defined(container: Any, pointer: str) -> Iterator[Located]:
    """The entries of a map whose values are not `$ref`s (the places objects are written)."""
    if not isinstance(container, dict):
        return
    for key, value in container.items():
        if isinstance(value, dict) and "$ref" not in value:
            yield Located(value, jp.join(pointer, str(key)))


def _response_objects(document: Document) -> Iterator[Located]:
    yield from _defined(document.get("/components/responses"), "/components/responses")
    for operation in operations(document):
        base = jp.join(operation.pointer, "responses")
        yield from _defined(operation.node.get("responses"), base)


def parameters(document: Document) -> Iterator[Located]:
    """Every Parameter Object written in the document."""
    components = document.get("/components/parameters")
    yield from _defined(components, "/components/parameters")
    for path, item in mapping(document.get("/paths")).items():
        bases = [jp.join("/paths", path)]
        bases += [jp.join("/paths", path, method) for method in HTTP_METHODS if method in item]
        for base in bases:
            for index, parameter in enumerate(sequence(document.get(jp.join(base, "parameters")))):
                if isinstance(parameter, dict) and "$ref" not in parameter:
                    yield Located(parameter, jp.join(base, "parameters", index))


def headers(document: Document) -> Iterator[Located]:
    """Every Header Object written in the document."""
    yield from _defined(document.get("/components/headers"), "/components/headers")
    for response in _response_objects(document):
        base = jp.join(response.pointer, "headers")
        yield from _defined(response.node.get("headers"), base)


def media_types(document: Document, context: str | None = None) -> Iterator[Located]:
    """Every Media Type Object written in the document; `context` "request" or "response"
    keeps only those of request bodies or of responses."""
    if context in (None, "response"):
        for response in _response_objects(document):
            content = response.node.get("content")
            yield from _defined(content, jp.join(response.pointer, "content"))
    if context in (None, "request"):
        bodies = list(
            _defined(document.get("/components/requestBodies"), "/components/requestBodies")
        )
        for operation in operations(document):
            body = operation.node.get("requestBody")
            if isinstance(body, dict) and "$ref" not in body:
                bodies.append(Located(body, jp.join(operation.pointer, "requestBody")))
        for body in bodies:
            content = body.node.get("content")
            yield from _defined(content, jp.join(body.pointer, "content"))
