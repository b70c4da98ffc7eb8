"""The single HTML reference: self-contained, every link lands, the same content as the
Markdown pages; and Redoc's page through Redocly CLI when asked for."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docs_helpers import (
    REPO_ROOT,
    build,
    markdown_pages,
    operations,
    require,
    table_rows,
)
from schedulingkit.openapi import document_path
from schedulingkit.openapi.contract import load_yaml

from schedulingkit.docs.redocly import find_redocly

DOCUMENT = load_yaml(document_path())


class HtmlFacts(HTMLParser):
    """The ids, links, table rows and fetched resources of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.rows = 0
        self.fetched: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))
        if tag == "tr":
            self.rows += 1
        if tag in ("script", "img", "iframe") and values.get("src"):
            self.fetched.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.fetched.append(str(values["href"]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def facts(site) -> HtmlFacts:
    parser = HtmlFacts()
    parser.feed((site / "reference.html").read_text(encoding="utf-8"))
    return parser


def test_the_page_fetches_nothing(site, facts):
    html = (site / "reference.html").read_text(encoding="utf-8")
    assert facts.fetched == []
    assert "@import" not in html and "url(" not in html


def test_every_internal_link_lands_on_an_anchor(facts):
    internal = [href[1:] for href in facts.hrefs if href.startswith("#")]
    assert internal
    assert sorted(set(internal) - facts.ids) == []
    assert [href for href in facts.hrefs if href.endswith(".md") or ".md#" in href] == []


def test_every_operation_has_an_anchor_and_a_navigation_entry(facts):
    for _path, _method, operation in operations(DOCUMENT):
        assert operation["operationId"] in facts.ids
        assert "#" + operation["operationId"] in facts.hrefs


def test_the_html_holds_every_table_row_of_the_markdown_pages(site, facts):
    pages = markdown_pages(site)
    markdown_rows = sum(len(table_rows(text)) for text in pages.values())
    header_rows = sum(
        len(re.findall(r"^\|( *-+ *\|)+$", text, flags=re.MULTILINE)) for text in pages.values()
    )
    assert facts.rows == markdown_rows + header_rows
    text = " ".join(" ".join(facts.text).split())
    for row in table_rows(pages["invoices.md"]):
        assert row[0].strip("`") in text


def test_redocly_builds_redoc_page_when_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)  # the command looks in ./node_modules/.bin after PATH
    executable = find_redocly()
    require(executable is not None, "Redocly CLI is not installed (npm install @redocly/cli)")
    out = build(tmp_path / "site", "--redocly")
    html = (out / "redoc.html").read_text(encoding="utf-8")
    assert "<script" in html
    assert not re.search(r"<script[^>]+src=\"https?://", html)  # inlined, works offline
    for _path, _method, operation in operations(DOCUMENT):
        assert operation["operationId"] in html
