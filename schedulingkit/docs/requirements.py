"""The requirements page: the requirement catalogue shipped beside the document, by area."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment

from schedulingkit.docs.model import ApiReference
from schedulingkit.openapi.requirements import (
    CATALOGUE_NAME,
    Catalogue,
    Requirement,
    load_catalogue,
)

REQUIREMENTS_PAGE = "requirements.md"


def catalogue_for(document_path: Path | None) -> Catalogue:
    """The catalogue beside `document_path` when there is one, else the installed one."""
    if document_path is not None and (document_path.parent / CATALOGUE_NAME).exists():
        return load_catalogue(str(document_path.parent / CATALOGUE_NAME))
    return load_catalogue()


def verification(requirement: Requirement) -> str:
    if requirement.untestable:
        return f"Not from outside: {requirement.untestable}"
    return "By the conformance suite"


def render_requirements(reference: ApiReference, catalogue: Catalogue, env: Environment) -> str:
    areas: dict[str, list[Requirement]] = {}
    for requirement in catalogue.requirements:
        areas.setdefault(requirement.area_title, []).append(requirement)
    return env.get_template("requirements.md.j2").render(
        ref=reference, areas=list(areas.items()), verification=verification
    )
