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


def test_a_load_above_the_pool_waits_for_its_connections_and_opens_no_more(database_url):
    """Twelve requests at once on a pool of three: the pool opens three connections and no
    more (a connection past the pool would be opened and closed per request), and every
    request gets one of them in turn."""
    import asyncio

    from schedulingkit.impl.data.db import Database
    from sqlalchemy import event, text

    async def run() -> tuple[list[int], int]:
        database = Database(database_url, timeout=5, pool_size=3)
        opened: list[object] = []
        event.listen(database.engine.sync_engine, "connect", lambda *_: opened.append(1))

        async def request(i: int) -> int:
            connection = await database.connect()
            try:
                await asyncio.sleep(0.02)  # the request holds its connection a while
                return (await connection.execute(text(f"SELECT {i}"))).scalar_one()
            finally:
                await database.release(connection)

        try:
            answers = await asyncio.gather(*(request(i) for i in range(12)))
            return answers, len(opened)
        finally:
            await database.aclose()

    answers, opened = asyncio.run(run())
    assert answers == list(range(12))
    assert opened == 3


def test_a_request_that_waits_past_the_deadline_for_a_connection_is_503(postgresql_url):
    """(On SQLite the deadline is the 5 s lock wait: the same code path, not timed here.)"""
    import asyncio

    from schedulingkit.impl.data.db import Database
    from schedulingkit.impl.domain.errors import ServiceUnavailable

    async def run() -> None:
        database = Database(postgresql_url, timeout=0.2, pool_size=1)
        held = await database.connect()
        try:
            started = asyncio.get_running_loop().time()
            with pytest.raises(ServiceUnavailable):
                await database.connect()
            assert asyncio.get_running_loop().time() - started < 1
        finally:
            await database.release(held)
            await database.aclose()

    asyncio.run(run())
