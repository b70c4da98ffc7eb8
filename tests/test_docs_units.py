"""The docs' building blocks on small documents: the `$ref` resolver, recursive schemas,
examples and the curl command's shell quoting."""

from __future__ import annotations

import json
import shlex

import pytest

from schedulingkit.docs.curl import curl_command
from schedulingkit.docs.examples import NO_EXAMPLE, schema_example
from schedulingkit.docs.refs import RefError, Resolver
from schedulingkit.docs.schemas import field_rows, type_label

TREE = {
    "components": {
        "schemas": {
            "Alias": {"$ref": "#/components/schemas/Node"},
            "Node": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "example": "root", "description": "Label."},
                    "parent": {"$ref": "#/components/schemas/Node"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Alias"}},
                },
            },
            "Loop": {"$ref": "#/components/schemas/Loop2"},
            "Loop2": {"$ref": "#/components/schemas/Loop"},
            "a/b": {"type": "integer"},
        }
    }
}


def test_a_chain_of_refs_is_followed():
    resolver = Resolver(TREE)
    node = resolver.resolve({"$ref": "#/components/schemas/Alias"})
    assert node is TREE["components"]["schemas"]["Node"]
    assert resolver.resolve({"$ref": "#/components/schemas/a~1b"}) == {"type": "integer"}


@pytest.mark.parametrize(
    "ref",
    ["#/components/schemas/Loop", "#/components/schemas/Nope", "other.yaml#/components/x"],
)
def test_cycles_dangling_and_external_refs_are_errors(ref):
    with pytest.raises(RefError):
        Resolver(TREE).resolve({"$ref": ref})


def test_a_recursive_schema_is_listed_once_without_looping():
    rows = list(field_rows(Resolver(TREE), {"$ref": "#/components/schemas/Node"}))
    assert [row.path for row in rows] == ["name", "parent", "children"]
    assert rows[0].required and not rows[1].required
    assert (
        type_label(Resolver(TREE), TREE["components"]["schemas"]["Node"]["properties"]["children"])
        == "array of Alias"
    )


def test_examples_are_assembled_from_fields_without_looping():
    example = schema_example(Resolver(TREE), {"$ref": "#/components/schemas/Node"})
    assert example == {"name": "root"}
    assert schema_example(Resolver(TREE), {"type": "string"}) is NO_EXAMPLE


def test_curl_quotes_the_body_for_the_shell():
    body = {"name": "Seán O'Brien", "notes": "a | b; $(rm -rf /)"}
    command = curl_command(
        "post", "https://x.example/api/v1/clients", authenticated=True, body=body, has_body=True
    )
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:4] == ["curl", "-X", "POST", "https://x.example/api/v1/clients"]
    assert json.loads(words[words.index("-d") + 1]) == body
    assert "Authorization: Bearer $SK_TOKEN" in words
