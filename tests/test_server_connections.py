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


def test_a_transaction_left_open_never_reaches_the_next_request(app, api):
    """The pool resets nothing when a connection comes back (autocommit: only
    `TeamConnection.transaction` opens one), so a request cut between BEGIN and COMMIT must
    not hand its open transaction to the next: `release` drops that connection, and a clean
    one goes back to the pool for the next checkout."""
    import asyncio

    from schedulingkit.impl.data.db import Database, TeamConnection

    async def driver(connection):
        return (await connection.get_raw_connection()).driver_connection

    async def run() -> tuple[bool, bool]:
        database = Database(app.database.url)
        try:
            async with database.team(api.team_id) as db:
                defaults = db.team
            clean = await database.connect()
            reused = await driver(clean)
            await database.release(clean)
            cut = await database.connect()
            kept_clean = await driver(cut) is reused  # the pool handed the clean one back
            cut_driver = await driver(cut)
            block = TeamConnection(database, cut, defaults).transaction()
            await block.__aenter__()  # BEGIN, and then the request is cut: no end
            await database.release(cut)
            after = await database.connect()
            dropped = await driver(after) is not cut_driver
            await database.release(after)
            return kept_clean, dropped
        finally:
            await database.aclose()

    assert asyncio.run(run()) == (True, True)
