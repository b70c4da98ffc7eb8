"""Error responses: every 4xx/5xx is `{"message", "errors"?}` as application/json."""

from __future__ import annotations

import pytest
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app
from sqlalchemy import text


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"message", "errors"}
    for key, messages in body.get("errors", {}).items():
        assert isinstance(key, str)
        assert messages and all(isinstance(m, str) for m in messages)
    return body


def test_unknown_route_is_404_json(client, team, auth):
    body = assert_error_shape(client.get("/api/v1/nowhere", headers=auth(team[1])), 404)
    assert "errors" not in body
    assert_error_shape(client.get("/somewhere-else"), 404)


def test_404_and_405_write_the_route_alike(client, team, auth):
    missing = client.get("/api/v1/nowhere", headers=auth(team[1])).json()["message"]
    wrong = client.request("PATCH", "/api/v1/clients", headers=auth(team[1])).json()["message"]
    assert missing == "The route /api/v1/nowhere could not be found."
    assert wrong == (
        "The PATCH method is not supported for route /api/v1/clients. Supported methods: GET, POST."
    )
    outside = client.get("/somewhere-else").json()["message"]
    assert outside == "The route /somewhere-else could not be found."


def test_an_unknown_enum_value_lists_the_allowed_ones(client, team, auth):
    response = client.get("/api/v1/events?status=scheduled", headers=auth(team[1]))
    body = assert_error_shape(response, 400)
    expected = (
        "The selected status is invalid; the allowed values are pending, confirmed, "
        "cancelled, completed, no_show."
    )
    assert body == {"message": expected, "errors": {"status": [expected]}}


def test_an_unknown_field_is_called_unknown_and_a_read_only_one_read_only(client, team, auth):
    body = {"name": "Ada", "nickname": "A", "address": {"city": "Paris", "planet": "Earth"}}
    response = client.post("/api/v1/clients", json=body, headers=auth(team[1]))
    errors = assert_error_shape(response, 422)["errors"]
    assert errors["nickname"] == [
        "The nickname field is unknown; the accepted fields are name, email, phone, timezone, "
        "notes, tags, address."
    ]
    assert errors["address.planet"] == [
        "The address.planet field is unknown; the accepted fields are line1, line2, city, "
        "region, postal_code, country."
    ]
    invoice = {"client_id": 1, "items": [{"description": "x", "quantity": 1, "unit_amount": 1,
               "amount": 5}], "total": 10, "number": "X-1"}  # fmt: skip
    errors = assert_error_shape(
        client.post("/api/v1/invoices", json=invoice, headers=auth(team[1])), 422
    )["errors"]
    assert errors == {
        "items.0.amount": ["The items.0.amount field is read-only."],
        "number": ["The number field is read-only."],
        "total": ["The total field is read-only."],
    }


def test_unknown_id_is_404(client, team, auth):
    response = client.get("/api/v1/clients/424242", headers=auth(team[1]))
    assert_error_shape(response, 404)
    assert "X-RateLimit-Remaining" in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", "/api/v1/clients/1", "GET, PUT, DELETE"),
        ("DELETE", "/api/v1/clients", "GET, POST"),
        ("DELETE", "/api/v1/team", "GET, PUT"),
        ("POST", "/api/v1/transactions", "GET"),
        ("DELETE", "/api/v1/invoices/5", "GET, PUT"),
    ],
)
def test_wrong_method_is_405_with_allow(client, team, auth, method, path, allow):
    response = client.request(method, path, headers=auth(team[1]))
    assert_error_shape(response, 405)
    assert response.headers["Allow"] == allow


def test_a_bad_path_parameter_is_checked_like_any_parameter(client, team, auth, make_team):
    """One router: `/clients/abc` is routed to its operation (segments are text), so the token,
    scope and rate limit come first and the validator's 400 after, for HEAD as for GET."""
    for method in ("GET", "HEAD", "PUT", "DELETE"):
        assert client.request(method, "/api/v1/clients/abc").status_code == 401, method
    _, no_scope = make_team(scopes=["team:read"])
    assert client.get("/api/v1/clients/abc", headers=auth(no_scope)).status_code == 403
    response = client.request("HEAD", "/api/v1/clients/abc", headers=auth(team[1]))
    assert response.status_code == 400 and "X-RateLimit-Remaining" in response.headers
    for segment in ("%205", "5.0", "\u0665"):  # only ASCII digits (and a sign) are an integer
        body = assert_error_shape(
            client.get(f"/api/v1/clients/{segment}", headers=auth(team[1])), 400
        )
        assert body["errors"] == {"id": ["The id field must be an integer."]}, segment


def test_a_method_the_served_document_lacks_is_405(client):
    response = client.post("/api/v1/openapi.json")
    assert_error_shape(response, 405)
    assert response.headers["Allow"] == "GET, HEAD"


def test_unsupported_media_type_is_415(client, team, auth):
    headers = {**auth(team[1]), "Content-Type": "text/plain"}
    response = client.post("/api/v1/clients", content=b"name=Ada", headers=headers)
    body = assert_error_shape(response, 415)
    assert "application/json" in body["message"]


def test_malformed_json_is_400(client, team, auth):
    headers = {**auth(team[1]), "Content-Type": "application/json"}
    response = client.post("/api/v1/clients", content=b'{"name": "Ada",', headers=headers)
    assert_error_shape(response, 400)


def test_query_parameter_errors_are_400_keyed_by_parameter(client, team, auth):
    response = client.get(
        "/api/v1/event-types?page=abc&per_page=500&kind=unknown", headers=auth(team[1])
    )
    body = assert_error_shape(response, 400)
    assert set(body["errors"]) == {"page", "per_page", "kind"}
    assert body["errors"]["per_page"] == ["The per page field must not be greater than 100."]


@pytest.mark.parametrize("query", ["page=0", "per_page=0", "per_page=101", "is_active=maybe"])
def test_out_of_bounds_parameters_are_400(client, team, auth, query):
    response = client.get(f"/api/v1/locations?{query}", headers=auth(team[1]))
    body = assert_error_shape(response, 400)
    assert list(body["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize("path", ["/api/v1/taxes/abc", "/api/v1/taxes/0", "/api/v1/taxes/-3"])
def test_path_parameter_errors_are_400(client, team, auth, path):
    body = assert_error_shape(client.get(path, headers=auth(team[1])), 400)
    assert list(body["errors"]) == ["id"]


def test_body_errors_are_422_with_every_field(client, team, auth):
    body = {
        "slug": "Not A Slug",
        "kind": "party",
        "duration_minutes": 2,
        "price": -1,
        "color": "red",
        "id": 7,
        "surprise": True,
    }
    response = client.post("/api/v1/event-types", json=body, headers=auth(team[1]))
    result = assert_error_shape(response, 422)
    assert set(result["errors"]) == {
        "name",
        "slug",
        "kind",
        "duration_minutes",
        "price",
        "color",
        "id",
        "surprise",
    }
    assert result["errors"]["name"] == ["The name field is required."]
    assert result["errors"]["kind"] == [
        "The selected kind is invalid; the allowed values are one_on_one, group, collective, "
        "round_robin."
    ]
    assert result["errors"]["duration_minutes"] == [
        "The duration minutes field must be at least 5."
    ]
    assert result["errors"]["id"] == ["The id field is read-only."]
    assert result["errors"]["surprise"][0].startswith(
        "The surprise field is unknown; the accepted fields are name, slug, "
    )
    assert result["message"].startswith("The ")
    assert result["message"].endswith("(and 7 more errors)")


def test_nested_errors_use_dotted_paths(client, team, auth):
    body = {
        "name": "Reminder",
        "trigger": "before_event",
        "trigger_offset": {"value": 0, "unit": "weeks"},
        "actions": [{"type": "sms", "body": "hi"}, {"type": "fax"}, {"type": "sms", "x": 1}],
    }
    response = client.post("/api/v1/workflows", json=body, headers=auth(team[1]))
    errors = assert_error_shape(response, 422)["errors"]
    assert {"trigger_offset.value", "trigger_offset.unit", "actions.1.type", "actions.2.x"} <= set(
        errors
    )


def test_body_must_be_an_object(client, team, auth):
    response = client.post("/api/v1/taxes", json=["VAT", "20"], headers=auth(team[1]))
    assert_error_shape(response, 422)


def test_server_error_is_500_without_details(tmp_path):
    from schedulingkit.impl.data import migrate
    from schedulingkit.impl.data.tokens import create_token
    from schedulingkit.impl.services.team import create_team

    url = f"sqlite:///{tmp_path / 'broken.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(Settings(database_url=url))
    with app.database.system_session() as session:
        team_id = create_team(session, "Broken").id
        token = create_token(session, team_id, "t").plaintext
    with app.database.sync_engine.begin() as connection:
        connection.execute(text("DROP TABLE taxes"))
    with app.test_client(raise_server_exceptions=False) as client:
        response = client.get("/api/v1/taxes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"message": "Server Error"}
    assert response.headers["X-RateLimit-Limit"] == "60"
    app.database.dispose()


def test_strings_no_database_can_store_are_422_not_500(client, team, auth):
    headers = {**auth(team[1]), "Content-Type": "application/json"}
    raw = b'{"name": "Ada\\u0000", "notes": "x\\ud800", "tags": ["ok", "b\\u0000"]}'
    response = client.post("/api/v1/clients", content=raw, headers=headers)
    body = assert_error_shape(response, 422)
    assert set(body["errors"]) == {"name", "notes", "tags.1"}


def test_nul_in_a_query_parameter_is_400(client, team, auth):
    response = client.get("/api/v1/clients?search=a%00b", headers=auth(team[1]))
    body = assert_error_shape(response, 400)
    assert list(body["errors"]) == ["search"]


def test_delete_answers_204_without_a_body_or_content_type(client, team, auth):
    created = client.post("/api/v1/taxes", json={"name": "T", "rate": "1"}, headers=auth(team[1]))
    response = client.delete(f"/api/v1/taxes/{created.json()['data']['id']}", headers=auth(team[1]))
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert response.headers["X-RateLimit-Limit"]
