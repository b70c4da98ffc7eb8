"""Reads run on the driver (`data.driver`) answer exactly what SQLAlchemy's execution would.

The server's SELECTs and transaction control skip SQLAlchemy's execution layer once a
statement object has run; its SQL, binds and result processing are still SQLAlchemy's. Here
the same statements are run both ways on a real SQLite file and a real PostgreSQL server and
must give equal rows (values, types, names), and the boundaries of the shortcut hold: a
statement's first run, expanding IN lists and writes stay SQLAlchemy's, listeners of
`before_cursor_execute` see every statement, and a driver error is SQLAlchemy's exception.
"""

from __future__ import annotations

import asyncio

import pytest
from schedulingkit.impl.data import driver
from schedulingkit.impl.data.db import TEAM_PARAM, Database, team_scoped
from schedulingkit.impl.data.models.resources import Tax
from schedulingkit.impl.data.tokens import _TOKEN_BY_ID
from schedulingkit.impl.services import clients, events, invoices
from sqlalchemy import bindparam, event, literal_column, select, text
from sqlalchemy.exc import DBAPIError


def _both_ways(database_url: str, statement, params: dict) -> tuple[list, list]:
    """Rows of `statement` by SQLAlchemy's execution and by the driver path."""

    async def run() -> tuple[list, list]:
        database = Database(database_url)
        connection = await database.connect()
        try:
            result = await connection.execute(statement, params)
            expected = result.all()
            keys = tuple(result.keys())
            prepared = driver.DriverStatement(statement, connection.dialect, keys)
            got = (await driver.run(connection, prepared, params)).all()
            return expected, got
        finally:
            await database.release(connection)
            await database.aclose()

    return asyncio.run(run())


def _rows_equal(expected: list, got: list) -> None:
    assert len(got) == len(expected) > 0
    for want, have in zip(expected, got, strict=True):
        assert tuple(have) == tuple(want)
        assert [type(v) for v in have] == [type(v) for v in want]
        assert have._mapping == dict(want._mapping)


def test_the_token_row_is_read_alike(app, api, database_url):
    token_id = int(api.token.split("|", 1)[0])
    _rows_equal(*_both_ways(database_url, _TOKEN_BY_ID, {"token_id": token_id}))


def test_resource_rows_with_timestamps_json_and_children_are_read_alike(app, api, database_url):
    """An event (timestamps in wire form, recurrence JSON), a client (tags aggregated as
    JSON, address JSON) and an invoice (items and their taxes as JSON, decimals, dates),
    one by id and as a page with its count."""
    event_type = api.create(
        "/event-types",
        {"name": "Call", "slug": "call", "kind": "one_on_one", "duration_minutes": 30},
    )
    client = api.create(
        "/clients", {"name": "Ada", "tags": ["vip", "new"], "address": {"city": "Paris"}}
    )
    booked = api.create(
        "/events",
        {
            "event_type_id": event_type["id"],
            "client_id": client["id"],
            "starts_at": "2026-03-16T09:00:00Z",
            "recurrence": {"frequency": "weekly", "count": 3},
        },
    )
    tax = api.create("/taxes", {"name": "VAT", "rate": "20.00"})
    line = {"description": "Session", "quantity": 2, "unit_amount": 6500, "tax_ids": [tax["id"]]}
    invoice = api.create("/invoices", {"client_id": client["id"], "items": [line]})
    team = {TEAM_PARAM: api.team_id}
    page = {"sk_limit": 15, "sk_offset": 0, **team}
    cases = [
        (events._BY_ID, {"event_id": booked["id"], **team}),
        (clients._BY_ID, {"row_id": client["id"], **team}),
        (invoices._BY_ID, {"invoice_id": invoice["id"], **team}),
    ]
    for listing in (events.LISTING, clients.LISTING, invoices.LISTING):
        plan = listing._plan(
            _operation(listing), (), "postgresql" if "postgresql" in database_url else "sqlite"
        )
        cases += [(plan.count, team), (plan.page, page)]
    for statement, params in cases:
        _rows_equal(*_both_ways(database_url, team_scoped(statement), params))


def _operation(listing):
    from schedulingkit.openapi.contract import load_contract

    names = {events.LISTING: "listEvents", clients.LISTING: "listClients"}
    return load_contract().operation(names.get(listing, "listInvoices"))


def test_a_statement_runs_on_the_driver_from_its_second_run(app, database_url):
    """The first run of a statement object is SQLAlchemy's (it has an execution context);
    the next ones are the driver's (none), and IN lists and writes stay SQLAlchemy's."""
    statement = select(Tax.id).where(Tax.id == bindparam("tax_id"))
    expanding = select(Tax.id).where(Tax.id.in_(bindparam("tax_ids", expanding=True)))

    async def run() -> list[tuple[str, bool]]:
        database = Database(database_url)
        seen: list[tuple[str, bool]] = []
        event.listen(
            database.engine.sync_engine,
            "before_cursor_execute",
            lambda _c, _cur, sql, _p, context, _m: seen.append((sql.split()[0], context is None)),
        )
        connection = await database.connect()
        try:
            for _ in range(2):
                await database.execute(connection, statement, {"tax_id": 1})
                await database.execute(connection, expanding, {"tax_ids": [1, 2]})
            return seen
        finally:
            await database.release(connection)
            await database.aclose()

    seen = asyncio.run(run())
    on_driver = [by_driver for _, by_driver in seen]
    assert on_driver == [False, False, True, False]


def test_a_driver_error_is_sqlalchemys_and_the_connection_stays_usable(database_url):
    broken = text("SELECT no_such_column FROM teams")

    async def run() -> int:
        database = Database(database_url)
        connection = await database.connect()
        try:
            prepared = driver.DriverStatement(broken, connection.dialect)
            with pytest.raises(DBAPIError) as raised:
                await driver.run(connection, prepared, {})
            assert not raised.value.connection_invalidated
            one = select(literal_column("1").label("one"))
            ok = driver.DriverStatement(one, connection.dialect, ("one",))
            return (await driver.run(connection, ok, {})).scalar()
        finally:
            await database.release(connection)
            await database.aclose()

    assert asyncio.run(run()) == 1


def test_text_that_returns_rows_stays_sqlalchemys(database_url):
    """Text has no typed columns to process its rows by: a text SELECT is SQLAlchemy's to
    run every time (only transaction control text goes to the driver)."""
    probe = text("SELECT 1 AS one")

    async def run() -> list[tuple[int, bool]]:
        database = Database(database_url)
        seen: list[bool] = []
        event.listen(
            database.engine.sync_engine,
            "before_cursor_execute",
            lambda _c, _cur, _sql, _p, context, _m: seen.append(context is None),
        )
        connection = await database.connect()
        try:
            values = [(await database.execute(connection, probe)).scalar() for _ in range(3)]
            return list(zip(values, seen, strict=True))
        finally:
            await database.release(connection)
            await database.aclose()

    assert asyncio.run(run()) == [(1, False)] * 3


def test_a_driver_result_reads_as_sqlalchemys_result():
    from sqlalchemy.exc import MultipleResultsFound, NoResultFound

    row = driver._row_class(("id", "name"))
    none, one, two = (
        driver.DriverResult([]),
        driver.DriverResult([row._make((1, "Ada"))]),
        driver.DriverResult([row._make((1, "Ada")), row._make((2, "Bo"))]),
    )
    assert (none.first(), none.scalar(), none.all(), none.scalars()) == (None, None, [], [])
    first = one.first()
    assert (first.id, first[1], first._mapping) == (1, "Ada", {"id": 1, "name": "Ada"})
    assert (one.scalar(), one.scalar_one(), two.scalars()) == (1, 1, [1, 2])
    assert [tuple(r) for r in two] == [(1, "Ada"), (2, "Bo")] == [tuple(r) for r in two.all()]
    with pytest.raises(NoResultFound):
        none.scalar_one()
    with pytest.raises(MultipleResultsFound):
        two.scalar_one()
