"""Millions of events, fast: one recipe per column, bulk-loaded by each backend's fastest path.

The recipe (`event_values`) is the single definition of the generated events. Values go
through the column types' own bind processors for the target dialect (UTCDateTime, JSON...),
so they are stored exactly as the server stores them. SQLite takes them with
`sqlite3.executemany` in batches (its trigger keeps `team_event_counts`); PostgreSQL takes
them with `COPY`, with the user triggers off during the load and the kept count computed
once afterwards (a per-row trigger would update one counter row a million times in one
transaction).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Dialect

BATCH_SIZE = 50_000
STATUSES = ("confirmed", "pending", "completed", "cancelled", "no_show")
FIRST_START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
CREATED = datetime(2023, 12, 1, 9, 0, tzinfo=UTC)
Recipe = Any  # a constant, or a function of the row number (0-based)


def event_values(team_id: int, event_type_id: int, client_ids: list[int]) -> dict[str, Recipe]:
    """Column name -> value of every event, or function of the i-th; unnamed columns get NULL.

    Starts are spread ~every 45 minutes with a tie every 7th row, so the `(starts_at, id)`
    order really needs its tie-breaker.
    """

    def starts(i: int) -> datetime:
        return FIRST_START + timedelta(minutes=45 * (i - (1 if i % 7 == 6 else 0)))

    return {
        "team_id": team_id,
        "event_type_id": event_type_id,
        "client_id": lambda i: client_ids[i % len(client_ids)] if i % 4 else None,
        "title": lambda i: f"Assessment #{i}",
        "starts_at": starts,
        "ends_at": lambda i: starts(i) + timedelta(minutes=60),
        "timezone": "Europe/Paris",
        "status": lambda i: STATUSES[i % len(STATUSES)],
        "notes": lambda i: "Left knee pain since January." if i % 3 == 0 else None,
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def event_columns(recipes: dict[str, Recipe]) -> list:
    """The events table's non-key columns; refuses a NOT NULL column the recipe forgets."""
    from schedulingkit.impl.data.models import Base

    table = Base.metadata.tables["events"]
    columns = [c for c in table.columns if not c.primary_key]
    missing = [c.name for c in columns if c.name not in recipes and not c.nullable]
    if missing:
        raise RuntimeError(f"benchmarks/event_rows.py: no generator for events.{missing}")
    return columns


def column_plan(column: Any, recipe: Recipe, dialect: Dialect) -> Callable[[range], list]:
    """The stored values of one column for a batch of row numbers.

    Constants are converted once; on SQLite, datetimes use a plain formatter once it is
    checked to give the bind processor's exact text.
    """
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)

    def store(value: Any) -> Any:
        return processor(value) if processor and value is not None else value

    if not callable(recipe):
        stored = store(recipe)
        return lambda batch: [stored] * len(batch)
    sample = recipe(0)
    if isinstance(sample, datetime) and store(sample) == _sqlite_text(sample):
        return lambda batch: [_sqlite_text(recipe(i)) for i in batch]
    if isinstance(sample, datetime) and store(sample) == _naive_utc(sample):
        return lambda batch: [_naive_utc(recipe(i)) for i in batch]
    return lambda batch: [store(recipe(i)) for i in batch]


def _sqlite_text(moment: datetime) -> str:
    """A UTC instant as SQLAlchemy's SQLite DateTime stores it (whole seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000000")


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def batches(count: int, size: int = BATCH_SIZE) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(count, start + size))


def row_batches(recipes: dict[str, Recipe], dialect: Dialect, count: int) -> Iterator[list]:
    """Lists of row tuples, `BATCH_SIZE` at a time, in `event_columns` order."""
    plans = [column_plan(c, recipes.get(c.name), dialect) for c in event_columns(recipes)]
    for batch in batches(count):
        yield list(zip(*(plan(batch) for plan in plans), strict=True))


def insert_sqlite(path: str, recipes: dict[str, Recipe], count: int) -> tuple[int, int]:
    """Bulk-insert `count` events into a SQLite file; returns the first and last new id."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    columns = event_columns(recipes)
    names = ", ".join(f'"{c.name}"' for c in columns)
    sql = f"INSERT INTO events ({names}) VALUES ({', '.join('?' * len(columns))})"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA synchronous=OFF")
        first_id = (connection.execute("SELECT max(id) FROM events").fetchone()[0] or 0) + 1
        for rows in row_batches(recipes, sqlite_dialect.dialect(), count):
            connection.executemany(sql, rows)
        last_id = connection.execute("SELECT max(id) FROM events").fetchone()[0]
    connection.close()
    return first_id, last_id


def insert_postgresql(connection: Any, recipes: dict[str, Recipe], count: int) -> tuple[int, int]:
    """`COPY` `count` events over a psycopg connection (committed by the caller); returns the
    first and last new id. The kept count is set from the table once the rows are in."""
    from sqlalchemy.dialects.postgresql import psycopg

    columns = event_columns(recipes)
    names = ", ".join(f'"{c.name}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM events")
        before = cursor.fetchone()[0]
        cursor.execute("ALTER TABLE events DISABLE TRIGGER USER")
        with cursor.copy(f"COPY events ({names}) FROM STDIN") as copy:
            for rows in row_batches(recipes, psycopg.dialect(), count):
                for row in rows:
                    copy.write_row(row)
        cursor.execute("ALTER TABLE events ENABLE TRIGGER USER")
        cursor.execute(
            "INSERT INTO team_event_counts (team_id, n)"
            " SELECT team_id, count(*) FROM events GROUP BY team_id"
            " ON CONFLICT (team_id) DO UPDATE SET n = EXCLUDED.n"
        )
        cursor.execute("SELECT min(id), max(id) FROM events WHERE id > %s", (before,))
        first_id, last_id = cursor.fetchone()
    return first_id, last_id
