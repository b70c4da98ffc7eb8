"""The resource pages show every operation and every schema field of the document, and are
rendered from it: a change in a copy of the document changes the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from docs_helpers import (
    build,
    deref,
    json_block,
    markdown_pages,
    one_line,
    operations,
    table_rows,
)
from schedulingkit.openapi import document_path
from schedulingkit.openapi.contract import load_yaml

DOCUMENT = load_yaml(document_path())
OPERATIONS = list(operations(DOCUMENT))
PUBLIC_BASE_URL = "https://yourdomain.com/api/v1"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def pages(site) -> dict[str, str]:
    return markdown_pages(site)


def operation_section(pages: dict[str, str], operation_id: str) -> str:
    """The part of the one resource page that documents `operation_id`."""
    anchor = f'<a id="{operation_id}"></a>'
    holders = [text for text in pages.values() if anchor in text]
    assert len(holders) == 1, f"{operation_id} is on {len(holders)} pages"
    section = holders[0].split(anchor, 1)[1]
    return section.split('\n<a id="', 1)[0]


def rows_by_first_cell(section: str) -> dict[str, list[str]]:
    return {row[0]: row for row in table_rows(section)}


def test_there_is_one_page_per_tag_an_overview_and_the_requirements(pages):
    assert "index.md" in pages and "requirements.md" in pages
    assert len(pages) == 2 + len(DOCUMENT["tags"])
    for tag in DOCUMENT["tags"]:
        assert any(
            text.startswith('<a id="') and f"\n# {tag['name']}\n" in text for text in pages.values()
        )


@pytest.mark.parametrize(
    ("path", "method", "operation"), OPERATIONS, ids=[op["operationId"] for _, _, op in OPERATIONS]
)
def test_every_operation_is_documented(pages, path, method, operation):
    section = operation_section(pages, operation["operationId"])
    assert f"\n## {operation['summary']}\n" in section
    assert f"`{method.upper()} {path}`" in section
    for paragraph in operation["description"].strip().split("\n\n"):
        assert paragraph in section
    scopes_line = next(line for line in section.splitlines() if "Required scopes" in line)
    assert [f"`{scope}`" in scopes_line for scope in operation["x-scopes"]] == [True] * len(
        operation["x-scopes"]
    )
    assert f"curl -X {method.upper()} '{PUBLIC_BASE_URL}{path.replace('{id}', '42')}'" in section


@pytest.mark.parametrize(
    ("path", "method", "operation"), OPERATIONS, ids=[op["operationId"] for _, _, op in OPERATIONS]
)
def test_parameters_show_their_filter_and_the_list_its_order(pages, path, method, operation):
    section = operation_section(pages, operation["operationId"])
    rows = rows_by_first_cell(section.split("### Parameters", 1)[-1].split("\n### ", 1)[0])
    for raw in operation.get("parameters", []):
        parameter = deref(DOCUMENT, raw)
        row = rows[f"`{parameter['name']}`"]
        assert row[1] == parameter["in"]
        assert row[-1] == one_line(parameter["description"])
        spec = parameter.get("x-filter")
        filter_cell = row[-2]
        if spec is None:
            assert filter_cell == "—"
        else:
            for field in spec.get("fields") or [spec["field"]]:
                assert f"`{field}`" in filter_cell
        for value in deref(DOCUMENT, parameter["schema"]).get("enum", []):
            assert f"`{value}`" in row[4]
    if "x-ordering" in operation:
        order_line = next(line for line in section.splitlines() if "Order of `data`" in line)
        positions = [
            order_line.index(f"`{key['field']}` {key['direction']}")
            for key in operation["x-ordering"]
        ]
        assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("path", "method", "operation"), OPERATIONS, ids=[op["operationId"] for _, _, op in OPERATIONS]
)
def test_examples_and_errors_of_every_operation(pages, path, method, operation):
    section = operation_section(pages, operation["operationId"])
    if "requestBody" in operation:
        schema = deref(DOCUMENT, operation["requestBody"]["content"]["application/json"]["schema"])
        assert "Example request:\n\n" + json_block(schema["example"]) in section
    errors = rows_by_first_cell(section.split("### Errors", 1)[1].split("### Example", 1)[0])
    for status, raw in operation["responses"].items():
        response = deref(DOCUMENT, raw)
        status = str(status)
        if status.startswith("2"):
            content = response.get("content", {}).get("application/json")
            if content:
                example = deref(DOCUMENT, content["schema"])["example"]
                assert "Example response:\n\n" + json_block(example) in section
            assert f"\n#### {status}\n" in section
        else:
            assert errors[status][-1] == one_line(response["description"])


def schema_fields(schema: dict, document: dict):
    """`(name, description)` of every property written in a schema, nested ones included.
    A field with `x-transitions` is shown by the first sentence of its description (the whole
    of it is in the page's lifecycle section)."""
    schema = deref(document, schema)
    for name, sub in (schema.get("properties") or {}).items():
        resolved = deref(document, sub)
        description = one_line(resolved.get("description", ""))
        if "x-transitions" in resolved:
            description = description.split(". ")[0] + "."
            description += f" See [`{name}` lifecycle](#invoices-{name}-lifecycle)."
        yield name, description
        if "$ref" not in sub:
            yield from schema_fields(sub, document)
            if isinstance(sub.get("items"), dict) and "$ref" not in sub["items"]:
                yield from schema_fields(sub["items"], document)


def test_every_schema_field_of_the_document_is_in_a_table(pages):
    rows = {(row[0], row[-1]) for text in pages.values() for row in table_rows(text)}
    last_segments = {
        (cell.strip("`").replace("[]", "").rsplit(".", 1)[-1], description)
        for cell, description in rows
    }
    names = {segment for segment, _ in last_segments}
    missing = []
    for schema_name, schema in DOCUMENT["components"]["schemas"].items():
        for field, description in schema_fields(schema, DOCUMENT):
            shown = (field, description) in last_segments if description else field in names
            if not shown:
                missing.append(f"{schema_name}.{field}")
    assert missing == []


def test_field_rows_say_required_read_only_nullable_and_enum(pages):
    rows = rows_by_first_cell(operation_section(pages, "createEvent"))
    assert rows["`starts_at`"][1:5] == ["string (date-time)", "yes", "no", "no"]
    assert rows["`notes`"][4] == "yes"  # nullable
    assert rows["`recurrence.frequency`"][2] == "yes"  # required inside recurrence
    assert "`weekly`" in rows["`recurrence.frequency`"][5]
    invoice = rows_by_first_cell(operation_section(pages, "getInvoice"))
    assert invoice["`data.items[].taxes[].amount`"][3] == "yes"  # read-only


def changed_copy(tmp_path: Path) -> Path:
    """A copy of the document with descriptions, a summary, a filter and an example changed."""
    document = load_yaml(document_path())
    document["paths"]["/clients"]["get"]["summary"] = "List clients, changed summary"
    client = document["components"]["schemas"]["Client"]["properties"]
    client["email"]["description"] = "Changed: where invoices are e-mailed."
    document["info"]["description"] = document["info"]["description"].replace(
        "API requests are rate-limited per token", "Changed: requests are counted per token"
    )
    document["tags"][-1]["description"] = "Changed tag description."
    document["components"]["parameters"]["ClientSearch"]["x-filter"]["fields"] = ["notes"]
    document["components"]["schemas"]["ClientCreate"]["example"]["name"] = "Changed Hopper"
    copy = tmp_path / "changed.yaml"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False)
    copy.write_text(text, encoding="utf-8")
    return copy


def test_a_changed_document_changes_the_pages(tmp_path, pages):
    out = build(tmp_path / "site", "--document", str(changed_copy(tmp_path)))
    changed = markdown_pages(out)
    html = (out / "reference.html").read_text(encoding="utf-8")
    assert "| GET | /clients | List clients, changed summary |" in changed["index.md"]
    assert "| GET | /clients | List clients |" in pages["index.md"]
    assert "Changed: where invoices are e-mailed." in changed["clients.md"]
    assert "Changed: where invoices are e-mailed." in html
    assert "Changed: requests are counted per token" in changed["index.md"]
    assert "API requests are rate-limited per token" not in changed["index.md"]
    tag = DOCUMENT["tags"][-1]
    assert "Changed tag description." in changed[f"{tag['name'].lower()}.md"]
    assert tag["description"] not in changed["index.md"]
    search = rows_by_first_cell(operation_section(changed, "listClients"))
    assert "`notes`" in search["`search`"][-2] and "`email`" not in search["`search`"][-2]
    assert '"name": "Changed Hopper"' in changed["clients.md"]
    assert '"name": "Grace Hopper"' in pages["clients.md"]


def test_the_requirements_page_shows_every_requirement_with_its_sentence(pages):
    from schedulingkit.openapi.requirements import load_catalogue

    page = pages["requirements.md"]
    for requirement in load_catalogue().requirements:
        row = next(line for line in page.splitlines() if f"`{requirement.id}`" in line)
        assert requirement.statement.split("`")[0].strip() in row
        if requirement.untestable:
            assert "Not from outside" in row
    assert "(requirements.md)" in pages["index.md"]
