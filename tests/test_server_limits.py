"""Bounded requests in process (both backends): body size, JSON depth, array sizes, the
public URL links and `Location` are built from, the headers every answer carries. The same
cases against a real uvicorn process, with their time bounds, are in `test_abuse.py`."""

from __future__ import annotations

import pytest
from conftest import TEST_RATE_LIMIT, Api
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app
from schedulingkit.impl.web.validation import MAX_JSON_DEPTH, schema_errors


def nested(depth: int) -> str:
    """A JSON body whose arrays nest `depth` levels (the outer object counts as one)."""
    return '{"name": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def test_bodies_nested_past_the_limit_answer_400(api):
    sent = {"headers": {"Content-Type": "application/json"}}
    at_limit = api.post("/clients", content=nested(MAX_JSON_DEPTH), **sent)
    assert at_limit.status_code == 422  # read, then refused by its schema
    for depth in (MAX_JSON_DEPTH + 1, 1000, 50_000):
        answer = api.post("/clients", content=nested(depth), **sent)
        assert answer.status_code == 400, depth
        assert answer.json()["errors"] == {
            "body": ["The request body must not nest arrays and objects more than 32 levels deep."]
        }


def test_a_number_too_long_to_read_answers_400(api):
    answer = api.post(
        "/clients",
        content='{"name": "x", "phone": ' + "9" * 5000 + "}",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"body": ["The request body must be valid JSON."]}


def test_an_array_over_its_max_items_reports_that_alone(api):
    answer = api.post("/clients", json={"name": "x", "tags": list(range(21))})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"tags": ["The tags field must not have more than 20 items."]}
    within = api.post("/clients", json={"name": "x", "tags": [1, "a"]})
    assert within.json()["errors"] == {"tags.0": ["The tags.0 field must be a string."]}


UNIQUE = {"type": "array", "uniqueItems": True}


@pytest.mark.parametrize(
    ("items", "unique"),
    [
        pytest.param(["a", "b", "A"], True, id="strings"),
        pytest.param(["a", 0, 1, "a"], False, id="mixed-types-repeated"),
        pytest.param([1, 1.0], False, id="one-and-one-point-zero-are-equal"),
        pytest.param([True, 1], True, id="true-is-not-one"),
        pytest.param([False, 0, None], True, id="false-zero-null-differ"),
        pytest.param([{"a": 1, "b": [2]}, {"b": [2.0], "a": 1}], False, id="equal-objects"),
        pytest.param([[1, 2], [2, 1]], True, id="arrays-in-order"),
        pytest.param(["a", *range(20_000)], True, id="large-unsortable"),
    ],
)
def test_unique_items_follows_json_schema_equality(items: list, unique: bool) -> None:
    errors = schema_errors(UNIQUE, items, "tags")
    assert (errors == {}) is unique


def test_unique_items_is_not_checked_past_max_items() -> None:
    schema = {**UNIQUE, "maxItems": 2}
    assert schema_errors(schema, ["a", "a", "a"], "tags") == {
        "tags": ["The tags field must not have more than 2 items."]
    }


@pytest.fixture
def configured(database_url):
    """An app with a public URL and a small body limit."""
    settings = Settings(
        database_url=database_url,
        rate_limit=TEST_RATE_LIMIT,
        public_url="https://api.example.com/",
        max_body_bytes=2048,
    )
    app = create_app(settings)
    with app.test_client() as client:
        yield app, client
    app.database.dispose()


def test_links_and_location_come_from_the_public_url_never_host(configured, make_team):
    _, client = configured
    _, token = make_team()
    api = Api(client, token)
    evil = {"Host": "evil.example"}
    created = api.post("/clients", {"name": "Ada"}, headers=evil)
    assert created.status_code == 201
    client_id = created.json()["data"]["id"]
    assert created.headers["location"] == f"https://api.example.com/api/v1/clients/{client_id}"
    listed = api.get("/clients?per_page=1", headers=evil).json()
    assert listed["links"]["first"] == "https://api.example.com/api/v1/clients?per_page=1&page=1"
    assert listed["meta"]["path"] == "https://api.example.com/api/v1/clients"


def test_the_body_limit_is_the_deployment_s(configured, make_team):
    _, client = configured
    _, token = make_team()
    api = Api(client, token)
    small = api.post("/clients", {"name": "x", "notes": "x" * 1000})
    assert small.status_code == 201
    large = api.post("/clients", {"name": "x", "notes": "x" * 3000})
    assert large.status_code == 413
    assert large.json() == {"message": "The request body is larger than the limit of 2048 bytes."}
    assert large.headers["connection"] == "close"


def test_the_default_body_limit_is_1_mib(api):
    assert api.post("/clients", {"notes": "x" * (1024 * 1024)}).status_code == 413
    assert api.post("/clients", {"notes": "x" * (1024 * 1024 - 100)}).status_code == 422


def test_a_create_answers_location(api):
    created = api.post("/taxes", {"name": "VAT", "rate": "20.00"})
    location = created.headers["location"]
    assert location == f"http://testserver/api/v1/taxes/{created.json()['data']['id']}"
    assert api.client.get(location, headers=api.headers).json() == created.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/clients"),
        ("GET", "/api/v1/clients/999999999"),
        ("DELETE", "/api/v1/clients"),
        ("GET", "/api/v1/nowhere"),
        ("GET", "/nowhere"),
    ],
)
def test_every_answer_is_nosniff_and_no_store(api, method, path):
    for sent in (api.headers, {}):  # with the token and without
        answer = api.client.request(method, path, headers=sent)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"


def test_the_served_document_may_be_cached(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in answer.headers
    assert client.get("/api/v1/openapi.json").content == answer.content


def test_a_trailing_slash_reads_as_none(api):
    plain = api.get("/clients")
    slashed = api.get("/clients/")
    assert slashed.status_code == 200
    assert slashed.json() == plain.json()
    created = api.create("/clients", {"name": "Slash"})
    assert api.get(f"/clients/{created['id']}/").json()["data"] == created
    root = api.client.get("/api/v1", headers=api.headers, follow_redirects=False)
    assert root.status_code == 404
    assert root.json() == api.client.get("/api/v1/", headers=api.headers).json()
