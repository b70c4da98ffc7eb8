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
    before = app.database.connections_in_use()
    response = api.request(method, path.format(event=event["id"]), json=body)
    assert response.status_code == status, response.text
    assert app.database.connections_in_use() == before == 0


def test_refused_tokens_release_their_connection(app, client):
    headers = {"Authorization": "Bearer 1|" + "a" * 48}
    assert client.get("/api/v1/events", headers=headers).status_code == 401
    assert app.database.connections_in_use() == 0


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


def test_requests_one_after_another_reuse_one_connection_without_a_checkout(database_url):
    """A released connection is kept for the next request: twenty requests in a row check
    one connection out of the engine's pool, once, and open one."""
    import asyncio

    from schedulingkit.impl.data.db import Database
    from sqlalchemy import event, text

    async def run() -> tuple[int, int, set[int]]:
        database = Database(database_url)
        checkouts: list[object] = []
        opened: list[object] = []
        event.listen(database.engine.sync_engine, "checkout", lambda *_: checkouts.append(1))
        event.listen(database.engine.sync_engine, "connect", lambda *_: opened.append(1))
        drivers = set()
        try:
            for i in range(20):
                connection = await database.connect()
                assert (await connection.execute(text(f"SELECT {i}"))).scalar_one() == i
                drivers.add(id((await connection.get_raw_connection()).driver_connection))
                await database.release(connection)
                assert database.connections_in_use() == 0
            return len(checkouts), len(opened), drivers
        finally:
            await database.aclose()

    checkouts, opened, drivers = asyncio.run(run())
    assert (checkouts, opened, len(drivers)) == (1, 1, 1)


def test_a_kept_connection_goes_back_to_the_pool_once_it_is_old(database_url, monkeypatch):
    """A connection is kept no longer than RECYCLE_SECONDS: then it goes back to the engine's
    pool (which recycles connections as old), and the next request checks one out."""
    import asyncio

    from schedulingkit.impl.data import db as db_module
    from sqlalchemy import event

    async def run() -> int:
        database = db_module.Database(database_url)
        checkouts: list[object] = []
        event.listen(database.engine.sync_engine, "checkout", lambda *_: checkouts.append(1))
        try:
            await database.release(await database.connect())
            monkeypatch.setattr(db_module, "RECYCLE_SECONDS", 0)
            await database.release(await database.connect())  # old: back to the pool
            await database.release(await database.connect())
            return len(checkouts)
        finally:
            await database.aclose()

    assert asyncio.run(run()) == 2


def test_an_invalidated_connection_is_never_kept(database_url):
    import asyncio

    from schedulingkit.impl.data.db import Database

    async def run() -> bool:
        database = Database(database_url)
        try:
            broken = await database.connect()
            broken_driver = (await broken.get_raw_connection()).driver_connection
            await broken.invalidate()
            await database.release(broken)
            fresh = await database.connect()
            reused = (await fresh.get_raw_connection()).driver_connection is broken_driver
            await database.release(fresh)
            return reused
        finally:
            await database.aclose()

    assert asyncio.run(run()) is False


def test_closing_the_database_closes_the_kept_connections(database_url):
    import asyncio

    from schedulingkit.impl.data.db import Database

    async def run() -> int:
        database = Database(database_url)
        held = [await database.connect() for _ in range(3)]
        for connection in held:
            await database.release(connection)
        await database.aclose()
        return database.engine.pool.checkedout()

    assert asyncio.run(run()) == 0


def test_ending_a_request_never_calls_the_drivers_rollback(app, api, monkeypatch):
    """In autocommit a connection has nothing to roll back when a request ends (SQLAlchemy
    would call the driver's rollback(): on SQLite a worker-thread hop per request)."""
    from schedulingkit.impl.data import sqlite_driver

    calls: list[object] = []
    if app.database.networked:
        import psycopg

        original = psycopg.AsyncConnection.rollback

        async def counted(self):
            calls.append(self)
            return await original(self)

        monkeypatch.setattr(psycopg.AsyncConnection, "rollback", counted)
    else:
        original = sqlite_driver.OneHopConnection.rollback

        def counted(self):
            calls.append(self)
            return original(self)

        monkeypatch.setattr(sqlite_driver.OneHopConnection, "rollback", counted, raising=False)
    for _ in range(3):
        assert api.request("GET", "/clients").status_code == 200
    assert api.request("POST", "/clients", json={"name": "Ada", "tags": ["a"]}).status_code == 201
    assert calls == []
