"""The server against the whole document: every operation has its handler, every list
operation serves each of its documented filters and orders by fields its items have."""

from __future__ import annotations

import importlib
import inspect

import pytest
from schedulingkit.impl.handlers import handler_path
from schedulingkit.openapi.contract import load_contract

DOCUMENT = load_contract()
OPERATIONS = sorted(DOCUMENT.operations, key=lambda op: op.operation_id)
LISTS = [op for op in OPERATIONS if op.ordering]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_operation_has_an_async_handler(op):
    module_name, _, name = handler_path(op).rpartition(".")
    handler = getattr(importlib.import_module(module_name), name, None)
    assert handler is not None, f"{op.operation_id}: define {name} in {module_name}"
    assert inspect.iscoroutinefunction(handler), f"{handler_path(op)} must be `async def`"


def _item_properties(op) -> dict:
    responses = DOCUMENT.raw["paths"][op.path][op.method.lower()]["responses"]
    ref = responses["200"]["content"]["application/json"]["schema"]["$ref"]
    envelope = DOCUMENT.raw["components"]["schemas"][ref.rsplit("/", 1)[1]]
    item_ref = envelope["properties"]["data"]["items"]["$ref"]
    return DOCUMENT.raw["components"]["schemas"][item_ref.rsplit("/", 1)[1]]["properties"]


@pytest.mark.parametrize("op", LISTS, ids=lambda op: op.operation_id)
def test_filters_and_ordering_name_item_fields(op):
    properties = _item_properties(op)
    for key in op.ordering:
        assert key.field in properties, (op.operation_id, key.field)
    for spec_filter in op.filters:
        for field in spec_filter.fields:
            assert field.split(".")[0] in properties, (op.operation_id, spec_filter.name)


def _sample(spec_filter) -> str:
    schema = spec_filter.schema
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type") or schema.get("anyOf", [{}])[0].get("type")
    if kind == "boolean":
        return "true"
    if kind == "integer":
        return "1"
    if "$ref" in schema or "anyOf" in schema:
        return "2026-03-01" if spec_filter.name != "to" else "2026-04-01T00:00:00Z"
    return "a"


@pytest.mark.parametrize("op", LISTS, ids=lambda op: op.operation_id)
def test_every_filter_is_served(api, op):
    path = op.path.replace("{id}", "1")
    if "{id}" in op.path:  # a sub-list: give it a parent
        event_type = api.create(
            "/event-types", {"name": "T", "slug": "t", "kind": "one_on_one", "duration_minutes": 30}
        )
        parent = api.create(
            "/events", {"event_type_id": event_type["id"], "starts_at": "2026-03-02T09:00:00Z"}
        )
        path = op.path.replace("{id}", str(parent["id"]))
    every = {}
    for spec_filter in op.filters:
        value = _sample(spec_filter)
        every[spec_filter.name] = value
        response = api.get(path, params={spec_filter.name: value})
        assert response.status_code == 200, (spec_filter.name, response.text)
    response = api.get(path, params={**every, "page": 2, "per_page": 1})
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["current_page"] == 2


def test_the_document_and_swagger_ui_are_served(client):
    """Served by Connexion's Swagger UI middleware, which the stack routes only under its own
    paths: each of them must still answer."""
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json()["info"] == DOCUMENT.raw["info"]
    assert set(served.json()["paths"]) == set(DOCUMENT.raw["paths"])
    assert client.get("/api/v1/openapi.yaml").status_code == 200
    ui = client.get("/api/v1/ui/")
    assert ui.status_code == 200 and ui.headers["content-type"].startswith("text/html")
    assert client.get("/api/v1/ui", follow_redirects=False).status_code in (301, 307, 308)
    assert client.get("/api/v1/events").status_code == 401  # past the UI, to the API
