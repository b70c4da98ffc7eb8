"""The project's one reader of the contract (`schedulingkit.openapi.contract`): what it promises
beyond what its users' tests exercise on the real document."""

from __future__ import annotations

from schedulingkit.openapi.contract import HTTP_METHODS, Paging, load_contract, read_contract

NODE = {
    "type": "object",
    "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}},
}
DOCUMENT = {
    "openapi": "3.0.3",
    "security": [{"bearerAuth": []}],
    "paths": {
        "/nodes/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "schema": {"type": "string"}},
                {"$ref": "#/components/parameters/Search"},
            ],
            "put": {"operationId": "putNode", "x-scopes": "not a list", "x-ordering": [1]},
            "get": {
                "operationId": "getNode",
                "security": [{}, {"bearerAuth": []}],
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "properties": {"data": {"$ref": "#/components/schemas/Node"}}
                                }
                            }
                        }
                    }
                },
            },
        }
    },
    "components": {
        "schemas": {"Node": NODE},
        "parameters": {
            "Search": {"name": "q", "in": "query", "x-filter": {"op": "search"}, "schema": {}}
        },
    },
}


def test_methods_are_in_the_order_openapi_lists_them_and_operations_in_the_documents():
    assert HTTP_METHODS == ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    contract = read_contract(DOCUMENT)
    assert [op.label for op in contract.operations] == ["PUT /nodes/{id}", "GET /nodes/{id}"]
    assert contract.base_path == "/api/v1"  # no servers: the contract's own base


def test_an_operations_parameter_replaces_the_path_items_and_refs_are_followed():
    get = read_contract(DOCUMENT).operation("getNode")
    assert list(get.parameters) == ["id", "q"]
    assert get.parameters["id"]["schema"] == {"type": "integer"}
    assert get.path_params == ("id",)
    assert get.filter("q").pointer == "/components/parameters/Search"
    assert get.filter("q").fields == ()  # malformed (no field): spec check reports it


def test_a_recursive_schema_is_resolved_once_and_stays_a_reference_inside():
    item = read_contract(DOCUMENT).operation("getNode").item_schema
    assert item["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node"}


def test_malformed_vocabulary_reads_as_absent_and_security_as_written():
    contract = read_contract(DOCUMENT)
    put, get = contract.operation("putNode"), contract.operation("getNode")
    assert put.scopes == () and put.ordering == () and put.paging == Paging()
    assert put.secured and not get.secured  # `{}`: anonymous calls are allowed
    assert contract.get("nope") is None and contract.get(None) is None


def test_the_shipped_document_reads_once_per_process():
    assert load_contract() is load_contract()
    assert load_contract().transitions("Invoice", "status")["cancelled"] == ()
