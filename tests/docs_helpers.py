"""Shared by the tests/test_docs_*.py files: building the pages and reading them back."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from schedulingkit.openapi.contract import operation_nodes
from schedulingkit.openapi.pointer import deref as follow

from schedulingkit.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[1]
HELP_PAGE = REPO_ROOT.parent / "shared" / "product" / "help-center-api.txt"


def require(condition: bool, reason: str) -> None:
    """Skip a test when a tool or file is missing, but fail under CI, where it must be there."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


def build(out: Path, *extra: str) -> Path:
    """Run `schedulingkit docs build --out OUT` as a user does; OUT."""
    result = CliRunner().invoke(cli, ["docs", "build", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return out


def markdown_pages(out: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(out.glob("*.md"))}


def table_rows(markdown: str) -> list[list[str]]:
    """The body rows of every Markdown table, cells stripped (header and rule rows left out)."""
    rows: list[list[str]] = []
    previous = ""
    for line in markdown.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|( *-+ *\|)+", line):
            is_header = False
            if not previous.startswith("|"):
                is_header = True  # a table's first line is its header
            if not is_header:
                cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
                rows.append([cell.strip().replace("\\|", "|") for cell in cells])
        previous = line
    return rows


def one_line(text: str) -> str:
    """Whitespace collapsed, as a table cell holds a description."""
    return " ".join(str(text).split())


def operations(document: dict):
    """`(path, method, operation)` for every operation of a parsed document."""
    return operation_nodes(document)


def deref(document: dict, node):
    """Follow local `$ref`s to the node they end at."""
    return follow(document, node)[0]


def json_block(value) -> str:
    """A JSON value as a fenced example shows it."""
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```"
