"""Every request gives its database connections back to the pool, whatever it answers.

The token check opens the request's read connection and the handler's reads reuse it; a
write releases it before opening its own session. None may stay checked out afterwards,
or a busy server would run out of connections.
"""

from __future__ import annotations

import pytest


def _event_type(api) -> int:
    body = {"name": "Call", "slug": "call", "kind": "one_on_one", "duration_minutes": 30}
    return api.create("/event-types", body)["id"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/events", None, 200),
        ("GET", "/events/{event}", None, 200),
        ("GET", "/events/999999", None, 404),
        ("GET", "/events?page=0", None, 400),
        ("GET", "/clients", None, 200),
        ("POST", "/clients", {"name": "Ada"}, 201),
        ("POST", "/clients", {"name": 7}, 422),
        ("DELETE", "/events/{event}", None, 200),
        ("GET", "/no-such-route", None, 404),
    ],
)
def test_no_connection_stays_checked_out(app, api, method, path, body, status):
    event_type = _event_type(api)
    event = api.create(
        "/events", {"event_type_id": event_type, "starts_at": "2026-03-16T09:00:00Z"}
    )
    pool = app.database.engine.pool
    before = pool.checkedout()
    response = api.request(method, path.format(event=event["id"]), json=body)
    assert response.status_code == status, response.text
    assert pool.checkedout() == before


def test_refused_tokens_release_their_connection(app, client):
    pool = app.database.engine.pool
    before = pool.checkedout()
    headers = {"Authorization": "Bearer 1|" + "a" * 48}
    assert client.get("/api/v1/events", headers=headers).status_code == 401
    assert pool.checkedout() == before
