"""Example bodies taken from the document: a media type's own example first, else the schema's
`example`, else one assembled from the examples of its fields. Nothing is invented."""

from __future__ import annotations

from typing import Any

from schedulingkit.docs.refs import Resolver
from schedulingkit.docs.schemas import object_parts

NO_EXAMPLE = object()  # the schema gives no example for a value


def schema_example(resolver: Resolver, schema: Any, seen: tuple[int, ...] = ()) -> Any:
    """An example of a value of `schema`, or `NO_EXAMPLE` (also for a schema inside itself)."""
    resolved = resolver.resolve(schema)
    if not isinstance(resolved, dict) or id(resolved) in seen:
        return NO_EXAMPLE
    seen = (*seen, id(resolved))
    if "example" in resolved:
        return resolved["example"]
    properties, _ = object_parts(resolver, resolved)
    if properties:
        assembled = {}
        for key, sub in properties.items():
            value = schema_example(resolver, sub, seen)
            if value is not NO_EXAMPLE:
                assembled[key] = value
        return assembled or NO_EXAMPLE
    if resolved.get("type") == "array":
        item = schema_example(resolver, resolved.get("items") or {}, seen)
        return NO_EXAMPLE if item is NO_EXAMPLE else [item]
    for key in ("anyOf", "oneOf", "allOf"):
        for part in resolved.get(key) or []:
            value = schema_example(resolver, part, seen)
            if value is not NO_EXAMPLE:
                return value
    if "default" in resolved:
        return resolved["default"]
    return NO_EXAMPLE


def media_example(resolver: Resolver, media: Any) -> Any:
    """An example of a Media Type Object's body (`example`, first of `examples`, its schema)."""
    media = resolver.resolve(media)
    if not isinstance(media, dict):
        return NO_EXAMPLE
    if "example" in media:
        return media["example"]
    for example in (media.get("examples") or {}).values():
        example = resolver.resolve(example)
        if isinstance(example, dict) and "value" in example:
            return example["value"]
    return schema_example(resolver, media.get("schema") or {})
