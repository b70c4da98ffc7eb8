"""Reading the whole document into a `model.ApiReference`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from schedulingkit.docs.examples import NO_EXAMPLE, media_example
from schedulingkit.docs.model import (
    ApiReference,
    Header,
    Lifecycle,
    Resource,
    Section,
    SharedResponse,
)
from schedulingkit.docs.operations import headers, operation
from schedulingkit.docs.refs import Resolver, ref_name
from schedulingkit.docs.schemas import field_rows, type_label
from schedulingkit.docs.wording import json_text
from schedulingkit.openapi.contract import Contract, load_yaml, read_contract

HEADING = re.compile(r"^## +(.+?)\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def load(path: Path | str) -> dict[str, Any]:
    """Parse the YAML document at `path`."""
    document = load_yaml(path)
    if not isinstance(document, dict):
        raise ValueError(f"{path}: not an OpenAPI document (a YAML mapping)")
    return document


def slugify(name: str) -> str:
    """`Event Types` -> `event-types`: a resource page's file name and anchor."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "other"


def split_sections(markdown: str) -> tuple[str, list[Section]]:
    """`info.description` as its introduction and its `## ` sections (code blocks respected)."""
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    in_fence = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else HEADING.match(line)
        if heading:
            sections.append((heading.group(1), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            intro.append(line)
    return _trim_blank_lines(intro), [
        Section(title=title, body=_trim_blank_lines(lines)) for title, lines in sections
    ]


def _trim_blank_lines(lines: list[str]) -> str:
    """The lines without leading and trailing blank ones (indentation is Markdown: kept)."""
    kept = list(lines)
    while kept and not kept[0].strip():
        kept.pop(0)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def base_url(document: dict) -> str:
    """The first absolute server URL with its variables at their defaults (the public one)."""
    servers = document.get("servers") or [{"url": "/"}]
    chosen = next((s for s in servers if "://" in str(s.get("url"))), servers[0])
    url = str(chosen.get("url") or "/")
    for name, variable in (chosen.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    return url


def shared_response(
    resolver: Resolver, name: str, statuses: list[str], raw: Any, any_path: bool = False
) -> SharedResponse:
    """One Response Object read for the pages."""
    node = resolver.resolve(raw)
    content = node.get("content") or {}
    example = media_example(resolver, next(iter(content.values()))) if content else NO_EXAMPLE
    return SharedResponse(
        name=name,
        statuses=statuses,
        description=str(node.get("description") or ""),
        headers=headers(resolver, node.get("headers")),
        example=None if example is NO_EXAMPLE else json_text(example),
        any_path=any_path,
    )


def shared_responses(resolver: Resolver, contract: Contract) -> list[SharedResponse]:
    """`components/responses`, each with the statuses operations answer it with, and the
    `x-path-responses` (answered for any path, before an operation is chosen)."""
    statuses: dict[str, set[str]] = {}
    for op in contract.operations:
        for status, raw in (op.node.get("responses") or {}).items():
            name = ref_name(raw)
            if name is not None:
                statuses.setdefault(name, set()).add(str(status))
    components = (contract.raw.get("components") or {}).get("responses") or {}
    found = [
        shared_response(resolver, name, sorted(statuses.get(name, set())), raw)
        for name, raw in components.items()
    ]
    found += [
        shared_response(resolver, status, [status], raw, any_path=True)
        for status, raw in contract.path_responses.items()
    ]
    return sorted(found, key=lambda shared: (shared.statuses or ["999"], shared.any_path))


def component_headers(resolver: Resolver, document: dict) -> list[Header]:
    """`components/headers`: the headers responses share."""
    raw = (document.get("components") or {}).get("headers") or {}
    found = []
    for name, node in raw.items():
        node = resolver.resolve(node)
        found.append(
            Header(
                name=name,
                type=type_label(resolver, node.get("schema") or {}),
                description=str(node.get("description") or ""),
            )
        )
    return found


def error_schema(resolver: Resolver, document: dict) -> Any:
    """The schema of the shared error responses (`Error`): the first one they declare."""
    for raw in ((document.get("components") or {}).get("responses") or {}).values():
        for media in (resolver.resolve(raw).get("content") or {}).values():
            media = resolver.resolve(media)
            if isinstance(media, dict) and "schema" in media:
                return media["schema"]
    return {}


def security_schemes(resolver: Resolver, document: dict) -> list[str]:
    """Each security scheme in words (`bearerAuth: HTTP bearer`)."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    found = []
    for name, raw in schemes.items():
        node = resolver.resolve(raw)
        kind = node.get("type", "")
        detail = node.get("scheme", "") if kind == "http" else node.get("in", "")
        text = f"`{name}`: {kind} {detail}".rstrip()
        if node.get("bearerFormat"):
            text += f" ({node['bearerFormat']})"
        if node.get("description"):
            text += f" — {node['description']}"
        found.append(text)
    return found


def resources(document: dict, operations: list) -> list[Resource]:
    """One resource per tag, in the order of `tags`; undeclared tags follow."""
    declared = {tag["name"]: tag for tag in document.get("tags") or []}
    names = list(declared)
    names += [op.tag for op in operations if op.tag not in names and op.tag not in declared]
    names = list(dict.fromkeys(names))
    found = []
    for name in names:
        ops = [op for op in operations if op.tag == name]
        if not ops:
            continue
        resource = Resource(
            name=name,
            slug=slugify(name),
            description=str(declared.get(name, {}).get("description") or ""),
            operations=ops,
        )
        bodies = resource.bodies()
        resource.lifecycles.extend(lifecycles(bodies))
        resource.pagination.extend(next((b.pagination for b in bodies if b.pagination), []))
        found.append(resource)
    return found


def lifecycles(bodies: list) -> list[Lifecycle]:
    """The `x-transitions` fields of a page's bodies, each once."""
    found: dict[str, Lifecycle] = {}
    for body in bodies:
        for row in body.rows:
            if row.transitions is not None and row.see and row.see[1] not in found:
                found[row.see[1]] = Lifecycle(
                    field=row.path.rsplit(".", 1)[-1],
                    anchor=row.see[1],
                    description=row.full_description,
                    transitions=row.transitions,
                )
    return list(found.values())


def info_links(info: dict) -> list[tuple[str, str]]:
    """`info.contact` and `info.license` as (label, url) pairs, where they have a URL."""
    found = []
    for key, prefix in (("contact", "Contact"), ("license", "License")):
        entry = info.get(key) or {}
        if entry.get("url"):
            found.append((f"{prefix}: {entry.get('name') or entry['url']}", str(entry["url"])))
    return found


def build_reference(document: dict) -> ApiReference:
    """Read everything the pages show."""
    resolver = Resolver(document)
    contract = read_contract(document)
    info = document.get("info") or {}
    url = base_url(document)
    operations = [operation(resolver, contract, op, url) for op in contract.operations]
    intro, sections = split_sections(str(info.get("description") or ""))
    return ApiReference(
        title=str(info.get("title") or "API"),
        version=str(info.get("version") or ""),
        intro=intro,
        sections=sections,
        base_url=url,
        resources=resources(document, operations),
        shared_responses=shared_responses(resolver, contract),
        error_rows=list(field_rows(resolver, error_schema(resolver, document))),
        headers=component_headers(resolver, document),
        security=security_schemes(resolver, document),
        links=info_links(info),
    )
