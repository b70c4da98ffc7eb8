"""Rendering the Markdown pages with the package's Jinja2 templates."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from schedulingkit.docs.model import ApiReference, Resource

OVERVIEW_PAGE = "index.md"
# The endpoint tables go before this `info.description` section, as on the help page;
# at the end when the document has no such section.
ENDPOINTS_BEFORE = "Pagination"
FENCE = re.compile(r"^(```|~~~)")


def cell(value: Any) -> str:
    """Text safe inside one Markdown table cell: one line, pipes escaped."""
    text = " ".join(str(value).split())
    return text.replace("|", "\\|")


def yesno(value: Any) -> str:
    return "yes" if value else "no"


def values(item: Any) -> str:
    """A field's or parameter's enum and constraints as one line."""
    parts = []
    if item.enum:
        parts.append("one of " + ", ".join(f"`{value}`" for value in item.enum))
    parts.extend(item.constraints)
    return "; ".join(parts)


def environment() -> Environment:
    """The Jinja2 environment over `schedulingkit/docs/templates`."""
    env = Environment(
        loader=PackageLoader("schedulingkit.docs", "templates"),
        # HTML templates escape; Markdown ones do not (descriptions are Markdown already)
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters.update(cell=cell, yesno=yesno, values=values)
    return env


def _is_table_row(line: str) -> bool:
    return line.startswith("|")


def _needs_blank_between(previous: str, line: str) -> bool:
    """Whether Markdown needs a blank line between two lines (outside code blocks)."""
    if not previous.strip() or not line.strip():
        return False
    if line.startswith("#") or line.startswith("<a id=") or FENCE.match(line):
        return True
    if previous.startswith("#") or previous.startswith("<a id="):
        return True
    return _is_table_row(line) != _is_table_row(previous)


def tidy(markdown: str) -> str:
    """Blank lines where Markdown needs them (around headings, tables and code blocks, which
    the templates' whitespace control cannot always give), at most one in a row."""
    out: list[str] = []
    in_fence = False
    for line in (line.rstrip() for line in markdown.splitlines()):
        previous = out[-1] if out else ""
        if FENCE.match(line):
            if not in_fence and previous.strip():
                out.append("")
            out.append(line)
            if in_fence:
                out.append("")
            in_fence = not in_fence
            continue
        if not in_fence and _needs_blank_between(previous, line):
            out.append("")
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def endpoints_position(reference: ApiReference) -> int:
    """Index of the section the endpoint tables are placed before."""
    titles = [section.title for section in reference.sections]
    return titles.index(ENDPOINTS_BEFORE) if ENDPOINTS_BEFORE in titles else len(titles)


def page_name(resource: Resource) -> str:
    return f"{resource.slug}.md"


def render_markdown(
    reference: ApiReference, env: Environment | None = None, catalogue: Any = None
) -> dict[str, str]:
    """Every Markdown page by file name: the overview first, then one per resource, then the
    requirements (the catalogue beside the document)."""
    from schedulingkit.docs.requirements import REQUIREMENTS_PAGE, render_requirements
    from schedulingkit.openapi.requirements import load_catalogue

    env = env or environment()
    pages = {
        OVERVIEW_PAGE: env.get_template("overview.md.j2").render(
            ref=reference, endpoints_at=endpoints_position(reference)
        )
    }
    resource_template = env.get_template("resource.md.j2")
    for resource in reference.resources:
        pages[page_name(resource)] = resource_template.render(ref=reference, resource=resource)
    pages[REQUIREMENTS_PAGE] = render_requirements(reference, catalogue or load_catalogue(), env)
    return {name: tidy(text) for name, text in pages.items()}
