"""The single self-contained HTML reference: the Markdown pages rendered with markdown-it and
laid out on one page with a navigation column. No scripts, fonts or styles are fetched."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

from schedulingkit.docs.model import ApiReference
from schedulingkit.docs.render import OVERVIEW_PAGE, page_name

OVERVIEW_ANCHOR = "overview"


def markdown_parser() -> MarkdownIt:
    """CommonMark with tables; raw HTML kept (the pages' `<a id>` anchors)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def page_anchors(reference: ApiReference) -> dict[str, str]:
    """Markdown page file name -> the anchor of that page on the single HTML page."""
    anchors = {OVERVIEW_PAGE: OVERVIEW_ANCHOR}
    anchors.update({page_name(resource): resource.slug for resource in reference.resources})
    anchors["requirements.md"] = "requirements"
    return anchors


def local_href(href: str, anchors: dict[str, str]) -> str:
    """`events.md#getEvent` -> `#getEvent`, `events.md` -> `#events`; other links unchanged."""
    page, _, fragment = href.partition("#")
    if page not in anchors:
        return href
    return "#" + (fragment or anchors[page])


def markdown_to_html(markdown: str, anchors: dict[str, str], parser: MarkdownIt) -> str:
    """One page's HTML, its links to the other pages pointing inside the single page."""
    tokens = parser.parse(markdown)
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                child.attrSet("href", local_href(str(child.attrGet("href") or ""), anchors))
    return parser.renderer.render(tokens, parser.options, {})


def render_html(reference: ApiReference, pages: dict[str, str], env) -> str:
    """The whole reference as one HTML document."""
    anchors = page_anchors(reference)
    parser = markdown_parser()
    # markdown-it escapes the text it renders; the pages' raw HTML is our own anchors
    sections = [Markup(markdown_to_html(text, anchors, parser)) for text in pages.values()]
    return env.get_template("reference.html.j2").render(
        ref=reference, sections=sections, overview_anchor=OVERVIEW_ANCHOR
    )
