"""JSON Pointers (RFC 6901) and the local `$ref`s written as them.

The contract is one file, so every `$ref` is a local pointer (`#/components/...`). Every
reader of the document (server, suite, `spec check`, docs) follows references here, and a
violation or a report names a place in the document by its pointer.
"""

from __future__ import annotations

from typing import Any


class RefError(ValueError):
    """A `$ref` that is not local, points nowhere or loops back on itself."""


def escape(token: str | int) -> str:
    """Escape one reference token (`~` -> `~0`, `/` -> `~1`)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Undo `escape`."""
    return token.replace("~1", "/").replace("~0", "~")


def join(base: str, *tokens: str | int) -> str:
    """Append reference tokens to a pointer: `join("/paths", "/events")` -> `/paths/~1events`."""
    return base + "".join("/" + escape(token) for token in tokens)


def split(pointer: str) -> list[str]:
    """The unescaped reference tokens of a pointer (`""` is the whole document)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [unescape(token) for token in pointer[1:].split("/")]


def lookup(document: Any, pointer: str) -> Any:
    """The value at `pointer`; `KeyError` when there is none."""
    node = document
    for token in split(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, dict) and token.isdigit() and int(token) in node:
            node = node[int(token)]  # YAML reads an unquoted `200:` as an integer key
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


def is_ref(node: Any) -> bool:
    """Whether `node` is a Reference Object (`{"$ref": "#/..."}`)."""
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


def deref(document: Any, node: Any, pointer: str = "") -> tuple[Any, str]:
    """Follow a chain of `$ref`s from `node` (written at `pointer`) to a real node, and the
    pointer of the node it ends at: a finding about it is then reported where it is written."""
    seen: set[str] = set()
    while is_ref(node):
        ref = node["$ref"]
        if not ref.startswith("#"):
            raise RefError(f"only local $refs are supported, got {ref!r}")
        if ref in seen:
            raise RefError(f"$ref cycle through {ref!r}")
        seen.add(ref)
        pointer = ref[1:]
        try:
            node = lookup(document, pointer)
        except (KeyError, ValueError):
            raise RefError(f"$ref {ref!r} points nowhere") from None
    return node, pointer


def ref_name(node: Any) -> str | None:
    """The last token of a node's `$ref` (`Event` for `#/components/schemas/Event`), if any."""
    if is_ref(node):
        return unescape(node["$ref"].rsplit("/", 1)[-1])
    return None
