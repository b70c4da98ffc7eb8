"""The overview page is the product's help page, generated: its endpoint tables equal the help
page's row for row, and its other sections come from `info.description`."""

from __future__ import annotations

import re

import pytest
from docs_helpers import HELP_PAGE, build, one_line, require
from schedulingkit.openapi import document_path
from schedulingkit.openapi.contract import load_yaml

HELP_ROW = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)(/[A-Za-z0-9_\-/{}.]*)([A-Z].*)$")
HELP_TABLE_HEADER = "MethodEndpointDescription"
OVERVIEW_ROW = re.compile(r"^\| *([A-Z]+) *\| *(\S+) *\| *(.+?) *\|$")


def help_page_tables(text: str) -> dict[str, list[tuple[str, str, str]]]:
    """Each resource heading of the help page with its endpoint rows, in order."""
    lines = [line.strip() for line in text.splitlines()]
    tables: dict[str, list[tuple[str, str, str]]] = {}
    for index, line in enumerate(lines):
        if line != HELP_TABLE_HEADER:
            continue
        heading = next(previous for previous in reversed(lines[:index]) if previous)
        rows = tables.setdefault(heading, [])
        for row in lines[index + 1 :]:
            match = HELP_ROW.match(row)
            if not match:
                break
            rows.append((match.group(1), match.group(2), match.group(3).strip()))
    return tables


def overview_tables(markdown: str) -> dict[str, list[tuple[str, str, str]]]:
    """Each `### ` heading of the overview's Endpoints section with its table rows."""
    section = markdown.split("\n## Endpoints\n", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, list[tuple[str, str, str]]] = {}
    heading = None
    for line in section.splitlines():
        if line.startswith("### "):
            heading = line[4:].strip()
            tables[heading] = []
            continue
        match = OVERVIEW_ROW.match(line)
        if heading and match and match.group(1) != "Method" and not set(match.group(1)) <= {"-"}:
            tables[heading].append((match.group(1), match.group(2), match.group(3)))
    return tables


@pytest.fixture(scope="module")
def overview(tmp_path_factory) -> str:
    out = build(tmp_path_factory.mktemp("site"))
    return (out / "index.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def help_page() -> str:
    require(HELP_PAGE.is_file(), f"the product help page is not at {HELP_PAGE}")
    return HELP_PAGE.read_text(encoding="utf-8")


def test_help_page_parser_reads_every_table(help_page):
    tables = help_page_tables(help_page)
    assert len(tables) >= 2
    assert all(rows for rows in tables.values())
    row_lines = [line for line in help_page.splitlines() if HELP_ROW.match(line.strip())]
    assert sum(len(rows) for rows in tables.values()) == len(row_lines)


def test_endpoint_tables_equal_the_help_page_row_for_row(overview, help_page):
    generated, published = overview_tables(overview), help_page_tables(help_page)
    assert list(generated) == list(published)  # the resources, in the help page's order
    for resource, rows in published.items():
        assert generated[resource] == rows, resource


def test_endpoint_tables_come_before_pagination_as_on_the_help_page(overview, help_page):
    def order(text: str, headings: list[str]) -> list[str]:
        return sorted(headings, key=lambda heading: text.index(heading))

    assert order(overview, ["## Endpoints", "## Pagination"]) == ["## Endpoints", "## Pagination"]
    assert help_page.index("Endpoints") < help_page.index("Pagination")


def test_every_section_of_info_description_is_on_the_overview(overview):
    document = load_yaml(document_path())
    description = document["info"]["description"]
    headings = re.findall(r"^## (.+)$", description, flags=re.MULTILINE)
    assert {
        "Authentication",
        "Base URL",
        "Pagination",
        "Filtering",
        "Rate limits",
        "Errors",
    } <= set(headings)
    for paragraph in description.split("\n\n"):
        assert paragraph.strip() in overview


def test_shared_error_responses_and_headers_are_on_the_overview(overview):
    document = load_yaml(document_path())
    components = document["components"]
    for name, response in components["responses"].items():
        assert f"`{name}`" in overview
        assert one_line(response["description"]) in overview
        example = response["content"]["application/json"]["example"]
        assert f'"message": "{example["message"]}"' in overview
    for name, header in components["headers"].items():
        assert f"| `{name}` |" in overview
        assert one_line(header["description"]) in overview
