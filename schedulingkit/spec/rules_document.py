"""Rules over the document as a whole: validity, `info`, servers, security, tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openapi_spec_validator import OpenAPIV30SpecValidator

from schedulingkit.openapi import pointer as jp
from schedulingkit.spec.loader import Document, mapping, sequence
from schedulingkit.spec.objects import operations
from schedulingkit.spec.registry import Finding, Rule, registrar

RULES: list[Rule] = []
rule = registrar(RULES)

OPENAPI_VERSION = "3.0.3"
BASE_PATH = "/api/v1"
BROKEN_REFERENCE = "SPEC-008"

# What `info.description` must explain, each topic with the words that show it does.
INFO_TOPICS: dict[str, tuple[str, ...]] = {
    "authentication": ("bearer",),
    "base URL": (BASE_PATH,),
    "pagination": ("per_page",),
    "filtering": ("filter",),
    "rate limits": ("rate limit", "429"),
    "errors": ("error",),
}


@rule("SPEC-001", "The document is a valid OpenAPI 3.0.3 document (openapi-spec-validator).")
def valid_openapi(document: Document) -> Iterator[Finding]:
    version = document.raw.get("openapi")
    if version != OPENAPI_VERSION:
        yield (
            "/openapi",
            f"openapi must be {OPENAPI_VERSION!r} (Connexion 3.3 rejects 3.1), got {version!r}",
        )
        return
    try:
        for error in OpenAPIV30SpecValidator(document.raw).iter_errors():
            path = getattr(error, "absolute_path", None) or ()
            yield jp.join("", *path), error.message.splitlines()[0][:300]
    except Exception as exc:  # the validator raises on what it cannot resolve (SPEC-008)
        yield "", f"the validator stopped: {type(exc).__name__}: {str(exc)[:200]}"


@rule(
    "SPEC-002",
    "info.description explains auth, base URL, pagination, filtering, rate limits, errors.",
)
def info_description(document: Document) -> Iterator[Finding]:
    text = str(document.get("/info/description") or "").lower()
    missing = [
        topic
        for topic, words in INFO_TOPICS.items()
        if not any(word.lower() in text for word in words)
    ]
    if missing:
        yield "/info/description", "does not explain: " + ", ".join(missing)


@rule("SPEC-003", f"Every server URL ends with the base path {BASE_PATH}.")
def servers_base_path(document: Document) -> Iterator[Finding]:
    servers = sequence(document.get("/servers"))
    if not servers:
        yield "/servers", f"no servers: declare at least one URL ending with {BASE_PATH}"
    for index, server in enumerate(servers):
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        if not url.rstrip("/").endswith(BASE_PATH):
            yield jp.join("/servers", index, "url"), f"{url!r} does not end with {BASE_PATH}"


@rule("SPEC-004", "One http/bearer security scheme, required globally, never overridden.")
def bearer_security(document: Document) -> Iterator[Finding]:
    schemes = mapping(document.get("/components/securitySchemes"))
    bearer = [
        name
        for name, scheme in schemes.items()
        if isinstance(scheme, dict)
        and scheme.get("type") == "http"
        and str(scheme.get("scheme", "")).lower() == "bearer"
    ]
    if len(schemes) != 1 or len(bearer) != 1:
        yield (
            "/components/securitySchemes",
            "declare exactly one scheme, of type http, scheme bearer",
        )
        return
    expected = [{bearer[0]: []}]
    if document.get("/security") != expected:
        yield "/security", f"must be {expected} (the bearer scheme, required on every operation)"
    for operation in operations(document):
        if "security" in operation.node:
            yield jp.join(operation.pointer, "security"), "must not override the global security"


@rule("SPEC-005", "Every operation has exactly one tag, declared in the top-level tags.")
def operation_tag(document: Document) -> Iterator[Finding]:
    declared = {tag.get("name") for tag in sequence(document.get("/tags")) if isinstance(tag, dict)}
    for operation in operations(document):
        tags = sequence(operation.node.get("tags"))
        if len(tags) != 1:
            yield jp.join(operation.pointer, "tags"), f"has {len(tags)} tags, needs exactly one"
        elif tags[0] not in declared:
            yield jp.join(operation.pointer, "tags", 0), f"tag {tags[0]!r} is not declared in /tags"


@rule("SPEC-006", "Every declared tag has a description and is used by an operation.")
def tags_described_and_used(document: Document) -> Iterator[Finding]:
    used = {
        tag for operation in operations(document) for tag in sequence(operation.node.get("tags"))
    }
    for index, tag in enumerate(sequence(document.get("/tags"))):
        pointer = jp.join("/tags", index)
        if not str(tag.get("description") or "").strip():
            yield jp.join(pointer, "description"), f"tag {tag.get('name')!r} has no description"
        if tag.get("name") not in used:
            yield pointer, f"tag {tag.get('name')!r} is used by no operation"


@rule("SPEC-007", "One tag per resource: the operations of a resource share a tag of their own.")
def tag_per_resource(document: Document) -> Iterator[Finding]:
    tag_of: dict[str, str] = {}
    resource_of: dict[str, str] = {}
    for operation in operations(document):
        tags = sequence(operation.node.get("tags"))
        if len(tags) != 1:
            continue  # SPEC-005
        tag, resource = tags[0], operation.resource
        pointer = jp.join(operation.pointer, "tags", 0)
        if tag_of.setdefault(resource, tag) != tag:
            yield pointer, f"resource {resource!r} is tagged {tag_of[resource]!r} elsewhere"
        elif resource_of.setdefault(tag, resource) != resource:
            yield pointer, f"tag {tag!r} already names resource {resource_of[tag]!r}"


def _refs(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield pointer, node["$ref"]
        for key, value in node.items():
            if key != "example":
                yield from _refs(value, jp.join(pointer, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, jp.join(pointer, index))


@rule(BROKEN_REFERENCE, "Every $ref is a local pointer (#/...) to a node that exists.")
def references_resolve(document: Document) -> Iterator[Finding]:
    for pointer, ref in _refs(document.raw, ""):
        if not isinstance(ref, str) or not ref.startswith("#"):
            yield (
                jp.join(pointer, "$ref"),
                f"{ref!r} is not a local reference (the document is one file)",
            )
            continue
        try:
            document.at(ref[1:])
        except (KeyError, ValueError):
            yield jp.join(pointer, "$ref"), f"{ref!r} points nowhere"


def broken_reference_rule() -> Rule:
    """The rule that reports broken `$ref`s (run when another rule trips over one)."""
    return next(rule for rule in RULES if rule.code == BROKEN_REFERENCE)
