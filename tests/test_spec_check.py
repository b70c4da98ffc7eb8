"""`schedulingkit spec check`: it passes on the real document and, for every rule, reports
the exact code and JSON pointer on a copy of the document broken on purpose."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from schedulingkit.openapi import document_path
from schedulingkit.openapi import pointer as jp

from schedulingkit.cli import cli
from schedulingkit.spec.check import RULES, check_document
from schedulingkit.spec.loader import Document, load_document
from schedulingkit.spec.objects import Operation, data_schema, query_parameters

Mutation = Callable[[dict[str, Any]], str]
CASES: dict[str, Mutation] = {}


def case(code: str) -> Callable[[Mutation], Mutation]:
    """Register the mutation that breaks rule `code`; it returns the pointer to expect."""

    def register(function: Mutation) -> Mutation:
        assert code not in CASES, code
        CASES[code] = function
        return function

    return register


@pytest.fixture(scope="session")
def contract() -> Document:
    return load_document(document_path())


@pytest.fixture(scope="session")
def baseline(contract: Document) -> set[tuple[str, str]]:
    """What the real document already violates (nothing, when it is correct)."""
    return {(v.code, v.pointer) for v in check_document(contract)}


# --- helpers over a raw copy of the document ------------------------------------------------


def op(raw: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return raw["paths"][path][method]


def op_pointer(path: str, method: str, *tokens: str | int) -> str:
    return jp.join("/paths", path, method, *tokens)


def resolved(raw: dict[str, Any], pointer: str) -> tuple[Any, str]:
    """The node a `$ref` at `pointer` leads to, and its pointer."""
    return Document(raw).deref(jp.lookup(raw, pointer), pointer)


def event_schema(raw: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The Event schema: the `data` of GET /events/{id}."""
    document = Document(raw)
    pointer = op_pointer("/events/{id}", "get")
    operation = Operation("/events/{id}", "get", op(raw, "/events/{id}", "get"), pointer)
    located = data_schema(document, operation)
    assert located is not None
    return located.node, located.pointer


def body_schema(raw: dict[str, Any], path: str, method: str) -> tuple[dict[str, Any], str]:
    """The request body schema of an operation (`EventCreate`, `EventUpdate`)."""
    _, pointer = resolved(raw, op_pointer(path, method, "requestBody"))
    media = jp.join(pointer, "content", "application/json", "schema")
    return resolved(raw, media)


def filter_parameter(raw: dict[str, Any], name: str) -> tuple[dict[str, Any], str]:
    """A filter parameter of GET /events, where it is written."""
    document = Document(raw)
    operation = Operation("/events", "get", op(raw, "/events", "get"), op_pointer("/events", "get"))
    found = query_parameters(document, operation)[name]
    return found.node, found.pointer


def without_parameter(raw: dict[str, Any], path: str, method: str, name: str) -> None:
    """Drop parameter `name` (inline or `$ref`) from an operation's own parameters."""
    operation = op(raw, path, method)
    document = Document(raw)
    operation["parameters"] = [
        parameter
        for parameter in operation.get("parameters", [])
        if document.deref(parameter, "")[0].get("name") != name
    ]


def example_pointer(raw: dict[str, Any], response_pointer: str) -> str:
    """Where the JSON example of a (resolved) response is written."""
    response, pointer = resolved(raw, response_pointer)
    media = response["content"]["application/json"]
    base = jp.join(pointer, "content", "application/json")
    if "example" in media:
        return jp.join(base, "example")
    name = next(iter(media["examples"]))
    _, at = resolved(raw, jp.join(base, "examples", name))
    return jp.join(at, "value")


# --- one purpose-broken copy per rule --------------------------------------------------------


@case("SPEC-001")
def _no_responses(raw: dict[str, Any]) -> str:
    del op(raw, "/team", "get")["responses"]
    return op_pointer("/team", "get")


@case("SPEC-002")
def _terse_info(raw: dict[str, Any]) -> str:
    raw["info"]["description"] = "The SchedulingKit API."
    return "/info/description"


@case("SPEC-003")
def _server_without_base_path(raw: dict[str, Any]) -> str:
    raw["servers"][0]["url"] = "https://yourdomain.com"
    return "/servers/0/url"


@case("SPEC-004")
def _public_operation(raw: dict[str, Any]) -> str:
    op(raw, "/team", "get")["security"] = []
    return op_pointer("/team", "get", "security")


@case("SPEC-005")
def _undeclared_tag(raw: dict[str, Any]) -> str:
    op(raw, "/team", "get")["tags"] = ["Nowhere"]
    return op_pointer("/team", "get", "tags", 0)


@case("SPEC-006")
def _undescribed_tag(raw: dict[str, Any]) -> str:
    del raw["tags"][0]["description"]
    return "/tags/0/description"


@case("SPEC-007")
def _tag_of_another_resource(raw: dict[str, Any]) -> str:
    op(raw, "/events/{id}", "delete")["tags"] = op(raw, "/team", "get")["tags"]
    return op_pointer("/events/{id}", "delete", "tags", 0)


@case("SPEC-008")
def _dangling_ref(raw: dict[str, Any]) -> str:
    op(raw, "/team", "get")["responses"]["401"] = {"$ref": "#/components/responses/Nowhere"}
    return op_pointer("/team", "get", "responses", "401", "$ref")


@case("SPEC-010")
def _kebab_operation_id(raw: dict[str, Any]) -> str:
    op(raw, "/team", "get")["operationId"] = "get-team"
    return op_pointer("/team", "get", "operationId")


@case("SPEC-011")
def _duplicate_operation_id(raw: dict[str, Any]) -> str:
    op(raw, "/team", "put")["operationId"] = op(raw, "/team", "get")["operationId"]
    return op_pointer("/team", "put", "operationId")


@case("SPEC-012")
def _no_summary(raw: dict[str, Any]) -> str:
    del op(raw, "/events", "post")["summary"]
    return op_pointer("/events", "post", "summary")


@case("SPEC-013")
def _no_description(raw: dict[str, Any]) -> str:
    op(raw, "/events", "post")["description"] = "  "
    return op_pointer("/events", "post", "description")


@case("SPEC-014")
def _read_scope_on_delete(raw: dict[str, Any]) -> str:
    op(raw, "/events/{id}", "delete")["x-scopes"] = ["events:read"]
    return op_pointer("/events/{id}", "delete", "x-scopes")


@case("SPEC-015")
def _string_id(raw: dict[str, Any]) -> str:
    raw["paths"]["/events/{id}"].pop("parameters", None)
    operation = op(raw, "/events/{id}", "get")
    inline = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    operation["parameters"] = [inline]
    return op_pointer("/events/{id}", "get", "parameters", 0, "schema")


@case("SPEC-016")
def _untyped_parameter(raw: dict[str, Any]) -> str:
    parameter, pointer = filter_parameter(raw, "search")
    parameter["schema"] = {"anyOf": [{"type": "string", "maxLength": 100}]}
    return jp.join(pointer, "schema", "type")


@case("SPEC-020")
def _created_on_get(raw: dict[str, Any]) -> str:
    responses = op(raw, "/team", "get")["responses"]
    responses["201"] = responses.pop("200")
    return op_pointer("/team", "get", "responses", "201")


@case("SPEC-021")
def _unwrapped_resource(raw: dict[str, Any]) -> str:
    event_ref = "#" + event_schema(raw)[1]
    schema = {"type": "object", "required": ["event"], "properties": {"event": {"$ref": event_ref}}}
    response, _ = resolved(raw, op_pointer("/events/{id}", "get", "responses", "200"))
    inline = copy.deepcopy(response)
    inline["content"] = {"application/json": {"schema": schema}}
    op(raw, "/events/{id}", "get")["responses"]["200"] = inline
    return op_pointer(
        "/events/{id}", "get", "responses", "200", "content", "application/json", "schema"
    )


@case("SPEC-022")
def _no_401(raw: dict[str, Any]) -> str:
    del op(raw, "/events", "get")["responses"]["401"]
    return op_pointer("/events", "get", "responses", "401")


@case("SPEC-023")
def _inline_error(raw: dict[str, Any]) -> str:
    pointer = op_pointer("/events", "get", "responses", "403")
    op(raw, "/events", "get")["responses"]["403"] = copy.deepcopy(resolved(raw, pointer)[0])
    return pointer


@case("SPEC-024")
def _401_without_challenge(raw: dict[str, Any]) -> str:
    response, pointer = resolved(raw, op_pointer("/events", "get", "responses", "401"))
    response["headers"] = {
        name: header
        for name, header in response.get("headers", {}).items()
        if name.lower() != "www-authenticate"
    }
    return jp.join(pointer, "headers", "WWW-Authenticate")


@case("SPEC-025")
def _numeric_message(raw: dict[str, Any]) -> str:
    raw["components"]["schemas"]["Error"]["properties"]["message"] = {"type": "integer"}
    return "/components/schemas/Error/properties/message"


@case("SPEC-026")
def _other_401_message(raw: dict[str, Any]) -> str:
    pointer = example_pointer(raw, op_pointer("/events", "get", "responses", "401"))
    jp.lookup(raw, pointer)["message"] = "Please log in."
    return pointer


@case("SPEC-027")
def _link_to_unknown_field(raw: dict[str, Any]) -> str:
    response, pointer = resolved(raw, op_pointer("/events", "post", "responses", "201"))
    name = next(iter(response["links"]))
    response["links"][name]["parameters"] = {"id": "$response.body#/data/identifier"}
    return jp.join(pointer, "links", name, "parameters", "id")


@case("SPEC-030")
def _no_shared_page(raw: dict[str, Any]) -> str:
    without_parameter(raw, "/events", "get", "page")
    return op_pointer("/events", "get", "parameters")


@case("SPEC-031")
def _per_page_too_large(raw: dict[str, Any]) -> str:
    for name, parameter in raw["components"]["parameters"].items():
        if parameter.get("name") == "per_page":
            parameter["schema"]["maximum"] = 500
            return jp.join("/components/parameters", name, "schema")
    raise AssertionError("no shared per_page parameter")


@case("SPEC-032")
def _list_without_meta(raw: dict[str, Any]) -> str:
    response, _ = resolved(raw, op_pointer("/events", "get", "responses", "200"))
    inline = copy.deepcopy(response)
    inline["content"] = {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["data", "links"],
                "properties": {
                    "data": {"type": "array", "items": {"$ref": "#" + event_schema(raw)[1]}},
                    "links": {"$ref": "#/components/schemas/PaginationLinks"},
                },
            }
        }
    }
    op(raw, "/events", "get")["responses"]["200"] = inline
    return op_pointer("/events", "get", "responses", "200", "content", "application/json", "schema")


@case("SPEC-033")
def _order_by_unknown_field(raw: dict[str, Any]) -> str:
    op(raw, "/events", "get")["x-ordering"].insert(0, {"field": "colour", "direction": "asc"})
    return op_pointer("/events", "get", "x-ordering", 0, "field")


@case("SPEC-034")
def _key_after_id(raw: dict[str, Any]) -> str:
    op(raw, "/events", "get")["x-ordering"] = [
        {"field": "id", "direction": "asc"},
        {"field": "starts_at", "direction": "asc"},
    ]
    return op_pointer("/events", "get", "x-ordering", 1)


@case("SPEC-035")
def _filter_without_semantics(raw: dict[str, Any]) -> str:
    parameter, pointer = filter_parameter(raw, "search")
    del parameter["x-filter"]
    return jp.join(pointer, "x-filter")


@case("SPEC-036")
def _search_unknown_field(raw: dict[str, Any]) -> str:
    parameter, pointer = filter_parameter(raw, "search")
    parameter["x-filter"] = {"op": "search", "fields": ["colour"]}
    return jp.join(pointer, "x-filter", "fields", 0)


@case("SPEC-037")
def _date_bound_on_status(raw: dict[str, Any]) -> str:
    parameter, pointer = filter_parameter(raw, "from")
    parameter["x-filter"] = {"op": "gte", "field": "status"}
    return jp.join(pointer, "x-filter", "field")


@case("SPEC-038")
def _no_search(raw: dict[str, Any]) -> str:
    without_parameter(raw, "/events", "get", "search")
    return op_pointer("/events", "get", "parameters")


@case("SPEC-039")
def _status_enum_short(raw: dict[str, Any]) -> str:
    parameter, pointer = filter_parameter(raw, "status")
    parameter["schema"] = {"type": "string", "enum": ["pending"]}
    return jp.join(pointer, "schema")


@case("SPEC-040")
def _no_upper_bound(raw: dict[str, Any]) -> str:
    without_parameter(raw, "/events", "get", "to")
    return op_pointer("/events", "get", "parameters")


@case("SPEC-041")
def _list_of_other_items(raw: dict[str, Any]) -> str:
    response, _ = resolved(raw, op_pointer("/clients", "get", "responses", "200"))
    op(raw, "/events", "get")["responses"]["200"] = copy.deepcopy(response)
    return op_pointer("/events", "get", "responses", "200")


@case("SPEC-045")
def _create_with_read_schema(raw: dict[str, Any]) -> str:
    schema = {"$ref": "#" + event_schema(raw)[1]}
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    op(raw, "/events", "post")["requestBody"] = body
    return op_pointer("/events", "post", "requestBody", "content", "application/json", "schema")


@case("SPEC-046")
def _open_create(raw: dict[str, Any]) -> str:
    schema, pointer = body_schema(raw, "/events", "post")
    schema["additionalProperties"] = True
    return jp.join(pointer, "additionalProperties")


@case("SPEC-047")
def _update_requires(raw: dict[str, Any]) -> str:
    schema, pointer = body_schema(raw, "/events/{id}", "put")
    schema["required"] = [next(iter(schema["properties"]))]
    return jp.join(pointer, "required")


@case("SPEC-048")
def _read_only_in_create(raw: dict[str, Any]) -> str:
    schema, pointer = body_schema(raw, "/events", "post")
    schema["properties"]["id"] = {"type": "integer", "minimum": 1, "readOnly": True}
    return jp.join(pointer, "properties", "id", "readOnly")


@case("SPEC-050")
def _untyped_property(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    schema["properties"]["mood"] = {"description": "How it went."}
    return jp.join(pointer, "properties", "mood")


@case("SPEC-051")
def _schema_without_example(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    del schema["example"]
    return jp.join(pointer, "example")


@case("SPEC-052")
def _body_without_example(raw: dict[str, Any]) -> str:
    response, _ = resolved(raw, op_pointer("/team", "get", "responses", "200"))
    inline = copy.deepcopy(response)
    data = {"type": "object", "properties": {"name": {"type": "string"}}}
    schema = {"type": "object", "required": ["data"], "properties": {"data": data}}
    inline["content"] = {"application/json": {"schema": schema}}
    op(raw, "/team", "get")["responses"]["200"] = inline
    return op_pointer("/team", "get", "responses", "200", "content", "application/json", "example")


@case("SPEC-053")
def _example_with_unknown_status(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    schema["example"]["status"] = "postponed"
    return jp.join(pointer, "example", "status")


@case("SPEC-054")
def _required_unknown(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    schema["required"].append("colour")
    return jp.join(pointer, "required", len(schema["required"]) - 1)


@case("SPEC-055")
def _float_money(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    schema["properties"]["deposit_amount"] = {"type": "number", "example": 12.5}
    return jp.join(pointer, "properties", "deposit_amount", "type")


@case("SPEC-056")
def _writable_timestamp(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    schema["properties"]["updated_at"] = {"type": "string", "format": "date-time"}
    return jp.join(pointer, "properties", "updated_at", "readOnly")


@case("SPEC-057")
def _timestamp_without_format(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    schema["properties"]["confirmed_at"] = {"type": "string", "readOnly": True}
    return jp.join(pointer, "properties", "confirmed_at", "format")


@case("SPEC-058")
def _unbounded_text(raw: dict[str, Any]) -> str:
    schema, pointer = body_schema(raw, "/events", "post")
    schema["properties"]["nickname"] = {"type": "string"}
    return jp.join(pointer, "properties", "nickname", "maxLength")


@case("SPEC-059")
def _free_text_kind(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    schema["properties"]["kind"] = {"type": "string", "example": "meeting"}
    return jp.join(pointer, "properties", "kind", "enum")


@case("SPEC-060")
def _ref_with_sibling(raw: dict[str, Any]) -> str:
    response = op(raw, "/team", "get")["responses"]["401"]
    response["description"] = "Overridden, and ignored."
    return op_pointer("/team", "get", "responses", "401")


@case("SPEC-061")
def _nullable_reference(raw: dict[str, Any]) -> str:
    schema, pointer = event_schema(raw)
    schema["properties"]["rescheduled_from"] = {
        "nullable": True,
        "allOf": [{"$ref": "#" + pointer}],
    }
    return jp.join(pointer, "properties", "rescheduled_from", "nullable")


@case("SPEC-062")
def _unbounded_array(raw: dict[str, Any]) -> str:
    schema, pointer = body_schema(raw, "/clients", "post")
    del schema["properties"]["tags"]["maxItems"]
    return jp.join(pointer, "properties", "tags", "maxItems")


@case("SPEC-068")
def _transition_to_an_unknown_status(raw: dict[str, Any]) -> str:
    status = raw["components"]["schemas"]["Invoice"]["properties"]["status"]
    status["x-transitions"]["paid"].append("archived")
    pointer = "/components/schemas/Invoice/properties/status/x-transitions/paid"
    return jp.join(pointer, len(status["x-transitions"]["paid"]) - 1)


@case("SPEC-070")
def _unused_schema(raw: dict[str, Any]) -> str:
    raw["components"]["schemas"]["Leftover"] = {"type": "object", "example": {}}
    return "/components/schemas/Leftover"


# --- tests -------------------------------------------------------------------------------------


def test_pointers_escape_as_rfc_6901() -> None:
    pointer = jp.join("/paths", "/events/{id}", "get")
    assert pointer == "/paths/~1events~1{id}/get"
    assert jp.join("", "a~b/c") == "/a~0b~1c"
    assert jp.split("/a~0b~1c/0") == ["a~b/c", "0"]
    assert jp.lookup({"a~b/c": [{"x": 1}]}, "/a~0b~1c/0/x") == 1
    assert jp.lookup({200: "ok"}, "/200") == "ok"  # YAML's unquoted status codes


def test_rules_are_registered_with_codes_and_descriptions() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    for rule in RULES:
        assert re.fullmatch(r"SPEC-\d{3}", rule.code)
        assert rule.description.strip() and "\n" not in rule.description


def test_every_rule_has_a_broken_copy() -> None:
    assert sorted(CASES) == [rule.code for rule in RULES]


def test_real_document_follows_every_rule(baseline: set[tuple[str, str]]) -> None:
    assert sorted(baseline) == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_broken_copy_is_reported(
    code: str, contract: Document, baseline: set[tuple[str, str]]
) -> None:
    raw = copy.deepcopy(contract.raw)
    pointer = CASES[code](raw)
    assert (code, pointer) not in baseline
    found = {(v.code, v.pointer) for v in check_document(Document(raw), [code])}
    assert (code, pointer) in found, sorted(found)


def test_response_schema_examples_are_read_with_their_read_only_fields(
    contract: Document,
) -> None:
    raw = copy.deepcopy(contract.raw)
    schema, pointer = event_schema(raw)
    del schema["example"]["id"]  # readOnly and required: a response always carries it
    found = {(v.code, v.pointer) for v in check_document(Document(raw), ["SPEC-053"])}
    assert ("SPEC-053", jp.join(pointer, "example")) in found


def test_an_operation_taking_a_body_declares_413(contract: Document) -> None:
    raw = copy.deepcopy(contract.raw)
    del op(raw, "/clients", "post")["responses"]["413"]
    found = {(v.code, v.pointer) for v in check_document(Document(raw), ["SPEC-022"])}
    assert found == {("SPEC-022", op_pointer("/clients", "post", "responses", "413"))}


def test_a_201_declares_location(contract: Document) -> None:
    raw = copy.deepcopy(contract.raw)
    del op(raw, "/taxes", "post")["responses"]["201"]["headers"]["Location"]
    found = {(v.code, v.pointer) for v in check_document(Document(raw), ["SPEC-024"])}
    pointer = op_pointer("/taxes", "post", "responses", "201", "headers", "Location")
    assert found == {("SPEC-024", pointer)}


def test_broken_reference_does_not_stop_the_other_rules(contract: Document) -> None:
    raw = copy.deepcopy(contract.raw)
    pointer = _dangling_ref(raw)
    del op(raw, "/events", "get")["responses"]["401"]
    found = {(v.code, v.pointer) for v in check_document(Document(raw))}
    assert ("SPEC-008", pointer) in found
    assert ("SPEC-022", op_pointer("/events", "get", "responses", "401")) in found


def test_malformed_document_is_reported_not_crashed_on(contract: Document) -> None:
    raw = copy.deepcopy(contract.raw)
    op(raw, "/events", "get")["responses"] = ["not", "a", "map"]
    raw["components"]["schemas"] = "not a map"
    found = check_document(Document(raw))
    assert ("SPEC-001", op_pointer("/events", "get", "responses")) in {
        (v.code, v.pointer) for v in found
    }


def test_cli_passes_on_installed_document() -> None:
    result = CliRunner().invoke(cli, ["spec", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ok: ")


def test_cli_reports_code_and_pointer(contract: Document, tmp_path: Path) -> None:
    raw = copy.deepcopy(contract.raw)
    del op(raw, "/events", "get")["responses"]["401"]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["spec", "check", str(path)])
    assert result.exit_code == 1
    assert "SPEC-022 /paths/~1events/get/responses/401: " in result.output
    as_json = CliRunner().invoke(cli, ["spec", "check", str(path), "--format", "json"])
    assert as_json.exit_code == 1
    reported = {(v["code"], v["pointer"]) for v in json.loads(as_json.output)["violations"]}
    assert ("SPEC-022", "/paths/~1events/get/responses/401") in reported


def test_cli_lists_and_selects_rules(contract: Document) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["spec", "check", "--list"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()] == [r.code for r in RULES]
    unknown = runner.invoke(cli, ["spec", "check", "--rules", "SPEC-022,SPEC-999"])
    assert unknown.exit_code == 2 and "no rule matches SPEC-999" in unknown.output
    one = runner.invoke(cli, ["spec", "check", "--rules", "SPEC-022"])
    assert one.exit_code == 0 and "follows all 1 rules" in one.output
    some = runner.invoke(cli, ["spec", "check", "--rules", "spec-02*,SPEC-001"])
    ran = 1 + sum(1 for r in RULES if r.code.startswith("SPEC-02"))
    assert some.exit_code == 0 and f"follows all {ran} rules" in some.output


def test_cli_rejects_unreadable_document(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- not\n- a mapping\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["spec", "check", str(path)])
    assert result.exit_code == 1
    assert "not a YAML mapping" in result.output
