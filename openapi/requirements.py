"""The requirement catalogue (`requirements.yaml`): every normative statement of the contract,
with a stable id and its sentence.

The conformance suite cites these ids (each rule's `verifies_requirements`), its reports and
`--list` print the sentences, and the reference pages render them, so a vendor can read the
requirement a verdict is about without anything outside the product.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_NAME = "requirements.yaml"
ID_PATTERN = re.compile(r"^REQ-[A-Z]+-\d{2}$")
VERIFIED, UNTESTABLE = "verified", "untestable"
# The keys a requirement may have (anything else is refused, `pending` included: a requirement
# is verified by a rule or untestable from outside, with the reason; there is no third state).
KEYS = frozenset({"id", "statement", "refs", "untestable"})


@dataclass(frozen=True)
class Requirement:
    """One normative statement of the contract."""

    id: str
    statement: str
    area: str  # AUTH, PAGE, ... (the second part of the id)
    area_title: str
    refs: tuple[str, ...] = ()  # JSON pointers into the OpenAPI document
    untestable: str | None = None  # why no request from outside can verify it

    @property
    def kind(self) -> str:
        """`verified` (a rule must verify it) or `untestable`."""
        return UNTESTABLE if self.untestable else VERIFIED


@dataclass(frozen=True)
class Catalogue:
    """Every requirement, in the file's order, and the areas they belong to."""

    version: int
    areas: dict[str, str]
    requirements: tuple[Requirement, ...]
    digest: str  # sha256 of the file, so a report says which catalogue it was judged against

    def __getitem__(self, requirement_id: str) -> Requirement:
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise KeyError(requirement_id)

    def __contains__(self, requirement_id: object) -> bool:
        return any(r.id == requirement_id for r in self.requirements)

    def ids(self) -> list[str]:
        return [r.id for r in self.requirements]


def catalogue_path() -> Path:
    """Path of the catalogue installed with this package."""
    return Path(str(files(__name__.rsplit(".", 1)[0]) / CATALOGUE_NAME))


class CatalogueError(ValueError):
    """The catalogue file breaks its own format."""


def parse_catalogue(text: str) -> Catalogue:
    """Read and check a catalogue: ids well formed and unique, areas declared, one sentence
    each, no key but `id`, `statement`, `refs` and `untestable`."""
    raw: Any = yaml.safe_load(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("requirements"), list):
        raise CatalogueError("a catalogue is a mapping with a `requirements` list")
    areas = {str(k): str(v) for k, v in (raw.get("areas") or {}).items()}
    found: list[Requirement] = []
    seen: set[str] = set()
    for entry in raw["requirements"]:
        requirement_id = str(entry.get("id", ""))
        if not ID_PATTERN.match(requirement_id):
            raise CatalogueError(f"{requirement_id!r} is not an id like REQ-AUTH-01")
        if requirement_id in seen:
            raise CatalogueError(f"{requirement_id} is declared twice")
        seen.add(requirement_id)
        area = requirement_id.split("-")[1]
        if area not in areas:
            raise CatalogueError(f"{requirement_id}: area {area} is not declared in `areas`")
        statement = " ".join(str(entry.get("statement") or "").split())
        if not statement:
            raise CatalogueError(f"{requirement_id} has no statement")
        unknown = sorted(set(entry) - KEYS)
        if unknown:
            raise CatalogueError(
                f"{requirement_id}: unknown key(s) {', '.join(unknown)} (a requirement is "
                "verified by a rule, or `untestable` with the reason)"
            )
        found.append(
            Requirement(
                id=requirement_id,
                statement=statement,
                area=area,
                area_title=areas[area],
                refs=tuple(entry.get("refs") or ()),
                untestable=_sentence(entry.get("untestable")),
            )
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Catalogue(int(raw.get("version", 1)), areas, tuple(found), digest)


def _sentence(value: Any) -> str | None:
    return " ".join(str(value).split()) if value else None


@functools.cache
def load_catalogue(path: str | None = None) -> Catalogue:
    """The catalogue at `path`, by default the one shipped beside the document."""
    source = Path(path) if path else catalogue_path()
    return parse_catalogue(source.read_text(encoding="utf-8"))
