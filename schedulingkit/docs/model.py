"""What the pages show, read out of the document once: the templates only lay it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schedulingkit.docs.schemas import FieldRow


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter, with its filter semantics when it is an `x-filter`."""

    name: str
    location: str
    type: str
    required: bool
    description: str
    enum: list[Any]
    constraints: list[str]
    filter: str
    example: str | None


@dataclass(frozen=True)
class Body:
    """A request or response body: its fields as rows and an example."""

    content_type: str
    schema_name: str | None
    rows: list[FieldRow]
    example: str | None
    # the fields of its pagination schemas, which `rows` name without listing
    pagination: list[FieldRow] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    """A response header."""

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Response:
    """One status an operation answers."""

    status: str
    description: str
    shared_name: str | None = None
    body: Body | None = None
    headers: list[Header] = field(default_factory=list)


@dataclass(frozen=True)
class Operation:
    """One operation of one path."""

    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    tag: str
    scopes: list[str]
    scopes_text: str
    authenticated: bool
    ordering: str
    parameters: list[Parameter]
    request: Body | None
    request_description: str
    successes: list[Response]
    errors: list[Response]
    curl: str


@dataclass(frozen=True)
class Lifecycle:
    """A field's `x-transitions`: the values it may move to from each of its values."""

    field: str
    anchor: str
    description: str
    transitions: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Resource:
    """A tag and its operations: one page, one endpoint table."""

    name: str
    slug: str
    description: str
    operations: list[Operation]
    lifecycles: list[Lifecycle] = field(default_factory=list)  # shown once per page
    pagination: list[FieldRow] = field(default_factory=list)  # shown once per page

    def bodies(self) -> list[Body]:
        """Every request and response body of the page's operations."""
        found = []
        for op in self.operations:
            found += [op.request] if op.request else []
            found += [r.body for r in [*op.successes, *op.errors] if r.body]
        return found


@dataclass(frozen=True)
class Section:
    """A `## ` section of `info.description`."""

    title: str
    body: str


@dataclass(frozen=True)
class SharedResponse:
    """A response of `components/responses` and the statuses operations use it for, or one
    of `x-path-responses` (a status answered for any path before an operation is chosen)."""

    name: str
    statuses: list[str]
    description: str
    headers: list[Header]
    example: str | None
    any_path: bool = False  # from `x-path-responses`: answered for any path, not an operation

    @property
    def anchor(self) -> str:
        return f"response-path-{self.statuses[0]}" if self.any_path else f"response-{self.name}"

    @property
    def title(self) -> str:
        return f"{', '.join(self.statuses)} for any path" if self.any_path else self.name


@dataclass(frozen=True)
class ApiReference:
    """Everything the overview, the resource pages and the HTML page are rendered from."""

    title: str
    version: str
    intro: str
    sections: list[Section]
    base_url: str
    resources: list[Resource]
    shared_responses: list[SharedResponse]
    error_rows: list[FieldRow]
    headers: list[Header]
    security: list[str]
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url): contact, license

    @property
    def operations(self) -> list[Operation]:
        return [op for resource in self.resources for op in resource.operations]
