"""`build_site`: every page of the reference, written to one folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schedulingkit.docs.html import render_html
from schedulingkit.docs.redocly import build_docs
from schedulingkit.docs.reference import build_reference, load
from schedulingkit.docs.render import environment, render_markdown
from schedulingkit.docs.requirements import catalogue_for

HTML_PAGE = "reference.html"
REDOC_PAGE = "redoc.html"


@dataclass(frozen=True)
class BuiltPage:
    """A file the build wrote."""

    path: Path
    size: int


def write(path: Path, text: str) -> BuiltPage:
    path.write_text(text, encoding="utf-8")
    return BuiltPage(path=path, size=path.stat().st_size)


def build_site(document_path: Path, out_dir: Path, *, redocly: bool = False) -> list[BuiltPage]:
    """Render the Markdown pages and the HTML reference of the document at `document_path`
    into `out_dir`; with `redocly`, also Redoc's page (Redocly CLI must be installed)."""
    document = load(document_path)
    reference = build_reference(document)
    env = environment()
    pages = render_markdown(reference, env, catalogue_for(document_path))
    out_dir.mkdir(parents=True, exist_ok=True)
    built = [write(out_dir / name, text) for name, text in pages.items()]
    built.append(write(out_dir / HTML_PAGE, render_html(reference, pages, env)))
    if redocly:
        title = f"{reference.title} {reference.version}".strip()
        path = build_docs(document_path, out_dir / REDOC_PAGE, title)
        built.append(BuiltPage(path=path, size=path.stat().st_size))
    return built
