"""Loading the OpenAPI document and following its internal `$ref`s.

The document is one file, so every `$ref` is a local pointer (`#/components/...`). Rules keep
the pointer of every node they look at, so following a `$ref` also moves the pointer to the
target: a violation is then reported where it has to be fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from schedulingkit.openapi import pointer as jp
from schedulingkit.openapi.contract import load_yaml


class DocumentError(Exception):
    """The document cannot be read as a YAML mapping, or one of its `$ref`s is broken."""


@dataclass
class Document:
    """A parsed OpenAPI document and where it came from."""

    raw: dict[str, Any]
    path: Path | None = None

    def at(self, pointer: str) -> Any:
        """The node at `pointer` (`KeyError` when absent)."""
        return jp.lookup(self.raw, pointer)

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow a chain of `$ref`s from `node` (found at `pointer`) to a real node."""
        try:
            return jp.deref(self.raw, node, pointer)
        except jp.RefError as exc:
            raise DocumentError(f"{pointer}: {exc}") from None

    def get(self, pointer: str, default: Any = None) -> Any:
        """The node at `pointer`, or `default`."""
        try:
            return self.at(pointer)
        except KeyError:
            return default


def load_document(path: Path | str) -> Document:
    """Parse the YAML document at `path`."""
    path = Path(path)
    try:
        raw = load_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise DocumentError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise DocumentError(f"{path}: the document is not a YAML mapping")
    return Document(raw=raw, path=path)


def mapping(value: Any) -> dict[Any, Any]:
    """`value` if it is a mapping, else an empty one: rules read documents that may be
    malformed, and SPEC-001 reports the malformation itself."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty one (see `mapping`)."""
    return value if isinstance(value, list) else []
