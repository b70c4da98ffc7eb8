"""Benchmark databases: the server's own schema, one team, one token and N events.

The schema comes from the server's migrations (never from the models), so the benchmark
measures the tables and indexes a deployment really has. Events are inserted with plain
`sqlite3.executemany` in big batches, values converted by the columns' own SQLAlchemy bind
processors, so 1M rows take seconds and are stored exactly as the ORM would store them.
Finished files are cached under `var/bench/` keyed by the migrations' content.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "var" / "bench"
GENERATOR_VERSION = "1"  # bump when the generated rows change
BATCH_SIZE = 50_000
CLIENT_COUNT = 50
STATUSES = ("confirmed", "pending", "completed", "cancelled", "no_show")
FIRST_START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
CREATED = datetime(2023, 12, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Dataset:
    """A generated database and what a load generator needs to call it."""

    path: Path
    events: int
    token: str
    team_id: int
    event_ids: tuple[int, int]  # first and last event id (ids are contiguous)

    def copy_to(self, target: Path) -> Dataset:
        """A private copy (a benchmark run writes clients; the cached file stays pristine)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.path, target)
        return Dataset(target, self.events, self.token, self.team_id, self.event_ids)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def migrations_fingerprint() -> str:
    """A short hash of the migration scripts: a new migration invalidates cached databases."""
    from schedulingkit.impl.migrate import migrations_path

    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    versions = migrations_path() / "versions"
    for script in sorted(versions.glob("*.py")):
        digest.update(script.name.encode())
        digest.update(script.read_bytes())
    return digest.hexdigest()[:12]


def ensure_dataset(events: int, cache_dir: Path = CACHE_DIR, log: Callable = print) -> Dataset:
    """The cached database with `events` events, generated first if missing or stale."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = f"events-{events}-{migrations_fingerprint()}"
    path, meta_path = cache_dir / f"{stem}.sqlite3", cache_dir / f"{stem}.json"
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        return Dataset(path, events, meta["token"], meta["team_id"], tuple(meta["event_ids"]))
    started = time.perf_counter()
    partial = cache_dir / f"{stem}.partial.sqlite3"
    partial.unlink(missing_ok=True)
    dataset = build_dataset(partial, events)
    os.replace(partial, path)
    meta = {k: v for k, v in asdict(dataset).items() if k != "path"}
    meta_path.write_text(json.dumps(meta, indent=2))
    log(f"generated {events:,} events in {time.perf_counter() - started:.1f}s -> {path}")
    return Dataset(path, events, dataset.token, dataset.team_id, dataset.event_ids)


def build_dataset(path: Path, events: int) -> Dataset:
    """Migrate a new SQLite file, then add a team, a token, an event type and `events` events."""
    url = sqlite_url(path)
    migrate(url)
    team_id, token, event_type_id, client_ids = create_fixtures(url)
    first_id = insert_events(path, team_id, event_type_id, client_ids, events)
    return Dataset(path, events, token, team_id, (first_id, first_id + events - 1))


def migrate(url: str) -> None:
    """The schema exactly as `schedulingkit db upgrade` creates it."""
    from schedulingkit.impl import migrate as migrations

    migrations.upgrade(url)


def create_fixtures(url: str) -> tuple[int, str, int, list[int]]:
    """Team, wildcard token, event type and clients, through the server's own code paths."""
    from schedulingkit.impl.db import Database
    from schedulingkit.impl.models.platform import Team
    from schedulingkit.impl.models.resources import Client, EventType
    from schedulingkit.impl.tokens import create_token

    database = Database(url)
    try:
        with database.system_session() as session:
            team = Team(name="Bench Physio", slug="bench", timezone="Europe/Paris", currency="EUR")
            session.add(team)
            session.flush()
            team_id = team.id
            token = create_token(session, team_id, "benchmark").plaintext
        with database.unit_of_work(team_id) as session:
            event_type = EventType(
                name="Assessment",
                slug="assessment",
                kind="one_on_one",
                duration_minutes=60,
                price=6500,
                currency="EUR",
            )
            clients = [
                Client(name=f"Client {i:03d}", email=f"client{i}@example.com", timezone="UTC")
                for i in range(CLIENT_COUNT)
            ]
            session.add_all([event_type, *clients])
            session.flush()
            return team_id, token, event_type.id, [c.id for c in clients]
    finally:
        database.dispose()


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


def insert_events(
    path: Path, team_id: int, event_type_id: int, client_ids: list[int], count: int
) -> int:
    """Bulk-insert `count` events; returns the first new id."""
    from schedulingkit.impl.models import Base

    table = Base.metadata.tables["events"]
    recipes = event_values(team_id, event_type_id, client_ids)
    columns = [c for c in table.columns if not c.primary_key]
    missing = [c.name for c in columns if c.name not in recipes and not c.nullable]
    if missing:
        raise RuntimeError(f"benchmarks/dataset.py: no generator for events.{', '.join(missing)}")
    plans = [column_plan(c, recipes.get(c.name)) for c in columns]
    names = ", ".join(f'"{c.name}"' for c in columns)
    sql = f"INSERT INTO events ({names}) VALUES ({', '.join('?' * len(columns))})"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA synchronous=OFF")
        first_id = (connection.execute("SELECT max(id) FROM events").fetchone()[0] or 0) + 1
        for batch in _batches(count, BATCH_SIZE):
            connection.executemany(sql, zip(*(plan(batch) for plan in plans), strict=True))
    connection.close()
    return first_id


def column_plan(column: Any, recipe: Recipe) -> Callable[[range], list]:
    """The stored values of one column for a batch of row numbers.

    Values go through the column type's own bind processor (UTCDateTime, JSON...), so they
    are stored as the ORM stores them; constants are converted once, and datetimes use a
    plain formatter once it is checked to give the processor's exact text.
    """
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    dialect = sqlite_dialect.dialect()
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)

    def store(value: Any) -> Any:
        return processor(value) if processor and value is not None else value

    if not callable(recipe):
        stored = store(recipe)
        return lambda batch: [stored] * len(batch)
    sample = recipe(0)
    if isinstance(sample, datetime) and store(sample) == _sqlite_text(sample):
        return lambda batch: [_sqlite_text(recipe(i)) for i in batch]
    return lambda batch: [store(recipe(i)) for i in batch]


def _sqlite_text(moment: datetime) -> str:
    """A UTC instant as SQLAlchemy's SQLite DateTime stores it (whole seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000000")


def _batches(count: int, size: int) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(count, start + size))
