"""Benchmark databases: the server's own schema and one team's data, on SQLite or PostgreSQL.

The schema comes from the server's migrations (never from the models), so the benchmark
measures the tables and indexes a deployment really has. The data: a team, a wildcard token,
an event type, taxes, a few hundred clients with tags and invoices with items and tax
snapshots (`fixtures.py`), and N events (`event_rows.py`, bulk-loaded: 1M take well under a
minute). A built database is cached (`stores.py`) under a hash of the migrations and of the
generator's own code, so a new migration or a changed generator builds a new one; each run
works on a private copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from . import event_rows, fixtures

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "var" / "bench"
GENERATOR_FILES = ("dataset.py", "fixtures.py", "event_rows.py")


@dataclass(frozen=True)
class Dataset:
    """A generated database (`url`, direct: never through the latency proxy) and the ids a
    load generator needs to call it."""

    url: str
    events: int
    token: str
    team_id: int
    event_ids: tuple[int, int]  # first and last event id (ids are contiguous)
    client_ids: tuple[int, int]  # the generated clients; later ids were created by a run
    invoice_ids: tuple[int, int]  # the generated invoices, likewise
    tax_ids: tuple[int, ...]  # active non-default taxes, for `POST /invoices` lines

    @property
    def backend(self) -> str:
        return make_url(self.url).get_backend_name()

    def at(self, url: str) -> Dataset:
        """The same data in another database (a copy)."""
        return replace(self, url=url)

    def meta(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "url"}

    @classmethod
    def from_meta(cls, url: str, meta: dict[str, Any]) -> Dataset:
        ids = ("event_ids", "client_ids", "invoice_ids", "tax_ids")
        return cls(url=url, **{k: tuple(v) if k in ids else v for k, v in meta.items()})


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def fingerprint() -> str:
    """A short hash of the migration scripts and this generator: either changing makes the
    cached databases stale."""
    from schedulingkit.impl.data.migrate import migrations_path

    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for script in [
        *sorted((migrations_path() / "versions").glob("*.py")),
        *(here / name for name in GENERATOR_FILES),
    ]:
        digest.update(script.name.encode())
        digest.update(script.read_bytes())
    return digest.hexdigest()[:12]


def build_dataset(url: str, events: int) -> Dataset:
    """Migrate the empty database at `url`, then fill it (fixtures, events, invoices)."""
    from schedulingkit.impl.data import migrate

    if events < 1:
        raise ValueError("a dataset needs at least one event")
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            made = fixtures.create_fixtures(connection)
        recipes = event_rows.event_values(made.team_id, made.event_type_id, made.client_ids)
        if make_url(url).get_backend_name() == "sqlite":
            event_ids = event_rows.insert_sqlite(make_url(url).database, recipes, events)
        else:
            with driver_connection(url) as connection:
                event_ids = event_rows.insert_postgresql(connection, recipes, events)
        with engine.begin() as connection:
            invoice_ids = fixtures.create_invoices(connection, made, event_ids)
    finally:
        engine.dispose()
    if make_url(url).get_backend_name() == "postgresql":
        vacuum(url)
    return Dataset(
        url=url,
        events=events,
        token=made.token,
        team_id=made.team_id,
        event_ids=event_ids,
        client_ids=(made.client_ids[0], made.client_ids[-1]),
        invoice_ids=invoice_ids,
        tax_ids=(made.taxes.reduced, made.taxes.city),
    )


def libpq_params(url: str) -> dict[str, Any]:
    """psycopg connection arguments of a `postgresql+psycopg://` URL."""
    parsed = make_url(url)
    params = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
        **parsed.query,
    }
    return {k: v for k, v in params.items() if v is not None}


def driver_connection(url: str, autocommit: bool = False):
    """A plain psycopg connection (COPY, VACUUM): SQLAlchemy adds nothing there."""
    import psycopg

    return psycopg.connect(**libpq_params(url), autocommit=autocommit)


def vacuum(url: str, tables: tuple[str, ...] = ()) -> None:
    """VACUUM (ANALYZE): planner statistics and the visibility map, as a settled database has
    (autovacuum would get there, minutes later, in the middle of a run)."""
    with driver_connection(url, autocommit=True) as connection:
        connection.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


WRITTEN_TABLES = (
    "clients",
    "client_tags",
    "invoices",
    "invoice_items",
    "invoice_item_taxes",
    "invoice_sequences",
)


def remove_written_rows(dataset: Dataset) -> None:
    """Delete the clients and invoices a run created (children go by cascade) and reset the
    invoice sequence, so every measurement of a list sees the same rows and the same count."""
    engine = create_engine(dataset.url)
    sqlite = dataset.backend == "sqlite"
    if sqlite:  # cascades need foreign keys on, as the server has them
        event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys=ON"))
    try:
        with engine.begin() as connection:
            team = {"team": dataset.team_id}
            connection.execute(
                text("DELETE FROM invoices WHERE team_id = :team AND id > :last"),
                {**team, "last": dataset.invoice_ids[1]},
            )
            connection.execute(
                text("DELETE FROM clients WHERE team_id = :team AND id > :last"),
                {**team, "last": dataset.client_ids[1]},
            )
            connection.execute(
                text("UPDATE invoice_sequences SET last_value = :n WHERE team_id = :team"),
                {**team, "n": fixtures.INVOICE_COUNT},
            )
    finally:
        engine.dispose()
    if not sqlite:
        vacuum(dataset.url, WRITTEN_TABLES)


Log = Callable[[str], None]
