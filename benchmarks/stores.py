"""Where benchmark databases live: SQLite files under `var/bench/`, or PostgreSQL databases
created on a server given by URL (the role needs CREATEDB).

Both stores cache a built dataset under a name holding the events count and the generator's
fingerprint, build into a temporary name and rename it when complete (an interrupted build
leaves nothing that looks finished), and hand each run a private copy: a file copy on
SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL (a file-level copy, seconds at 1M
events). A PostgreSQL dataset keeps its metadata (token, ids) in the database's COMMENT, so
the cache cannot disagree with the server it lives on.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from .dataset import CACHE_DIR, Dataset, Log, build_dataset, fingerprint, sqlite_url

PG_PREFIX = "skbench_"
RUN_PREFIX = f"{PG_PREFIX}run_"


class Store(Protocol):
    backend: str

    def ensure(self, events: int, log: Log) -> Dataset: ...
    def working_copy(self, dataset: Dataset, label: str) -> Dataset: ...
    def discard(self, dataset: Dataset) -> None: ...


def timed_build(events: int, url: str, log: Log) -> Dataset:
    started = time.perf_counter()
    dataset = build_dataset(url, events)
    log(f"generated {events:,} events in {time.perf_counter() - started:.1f}s")
    return dataset


class SqliteStore:
    """Datasets as SQLite files in `cache_dir`, each with a JSON file of its metadata."""

    backend = "sqlite"

    def __init__(self, cache_dir: Path = CACHE_DIR) -> None:
        self.cache_dir = cache_dir

    def ensure(self, events: int, log: Log = print) -> Dataset:
        """The cached dataset with `events` events, built first if missing or stale."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        stem = f"events-{events}-{fingerprint()}"
        path, meta_path = self.cache_dir / f"{stem}.sqlite3", self.cache_dir / f"{stem}.json"
        if path.exists() and meta_path.exists():
            return Dataset.from_meta(sqlite_url(path), json.loads(meta_path.read_text()))
        partial = self.cache_dir / f"{stem}.partial-{os.getpid()}.sqlite3"
        _unlink_sqlite(partial)
        try:
            dataset = timed_build(events, sqlite_url(partial), log)
        except BaseException:
            _unlink_sqlite(partial)
            raise
        os.replace(partial, path)
        meta_path.write_text(json.dumps(dataset.meta(), indent=2))
        return dataset.at(sqlite_url(path))

    def working_copy(self, dataset: Dataset, label: str) -> Dataset:
        """A private copy (a run writes; the cached file stays pristine)."""
        source = Path(make_url(dataset.url).database)
        target = self.cache_dir / "run" / f"{label}-{os.getpid()}.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        _unlink_sqlite(target)
        shutil.copyfile(source, target)
        return dataset.at(sqlite_url(target))

    def discard(self, dataset: Dataset) -> None:
        _unlink_sqlite(Path(make_url(dataset.url).database))


def _unlink_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresStore:
    """Datasets as databases named `skbench_e<events>_<fingerprint>` on the server of
    `base_url` (whose own database is only used to connect for CREATE/DROP DATABASE)."""

    backend = "postgresql"

    def __init__(self, base_url: str) -> None:
        self.base = make_url(base_url)
        if self.base.get_backend_name() != "postgresql":
            raise ValueError(f"not a PostgreSQL URL: {self.base!r}")
        self.admin = create_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def url(self, database: str) -> str:
        return self.base.set(database=database).render_as_string(hide_password=False)

    def _run(self, sql: str, **params: object) -> list[tuple]:
        with self.admin.connect() as connection:
            result = connection.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []

    def _comment(self, database: str) -> str | None:
        rows = self._run(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n",
            n=database,
        )
        return rows[0][0] if rows else None

    def ensure(self, events: int, log: Log = print) -> Dataset:
        """The cached database with `events` events, built first if missing or stale."""
        self.drop_abandoned_runs(log)
        name = f"{PG_PREFIX}e{events}_{fingerprint()}"
        comment = self._comment(name)
        if comment:
            return Dataset.from_meta(self.url(name), json.loads(comment))
        partial = f"{name}_partial_{os.getpid()}"
        self._run(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
        self._run(f'CREATE DATABASE "{partial}"')
        try:
            dataset = timed_build(events, self.url(partial), log)
            meta = json.dumps(dataset.meta()).replace("'", "''")
            self._run(f"COMMENT ON DATABASE \"{partial}\" IS '{meta}'")
            self._run(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
        except BaseException:
            self._run(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
            if self._comment(name):  # another process built it meanwhile
                return Dataset.from_meta(self.url(name), json.loads(self._comment(name) or ""))
            raise
        return dataset.at(self.url(name))

    def build_fresh(self, events: int, label: str) -> Dataset:
        """A new, uncached dataset in a run database (for tests: `discard` drops it)."""
        target = f"{RUN_PREFIX}{os.getpid()}_{label}"
        self._run(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        self._run(f'CREATE DATABASE "{target}"')
        return build_dataset(self.url(target), events)

    def working_copy(self, dataset: Dataset, label: str) -> Dataset:
        """`CREATE DATABASE ... TEMPLATE` the cached one: a private copy for one run."""
        source = make_url(dataset.url).database
        target = f"{RUN_PREFIX}{os.getpid()}_{label}"
        self._run(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        _retry(
            lambda: self._run(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'),
            "is being accessed by other users",  # another run is copying it right now
        )
        return dataset.at(self.url(target))

    def discard(self, dataset: Dataset) -> None:
        name = make_url(dataset.url).database
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _databases(self, prefix: str) -> list[str]:
        pattern = prefix.replace("_", r"\_") + "%"
        rows = self._run("SELECT datname FROM pg_database WHERE datname LIKE :p", p=pattern)
        return [name for (name,) in rows]

    def drop_abandoned_runs(self, log: Log = print) -> None:
        """Drop run copies whose benchmark process is gone (killed before its cleanup)."""
        for name in self._databases(RUN_PREFIX):
            pid = name[len(RUN_PREFIX) :].split("_", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                log(f"dropping {name}, left by process {pid}")
                self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_cached(self, log: Log = print) -> None:
        """Drop every cached dataset database (not run copies of live processes)."""
        self.drop_abandoned_runs(log)
        for name in self._databases(f"{PG_PREFIX}e"):
            log(f"dropping {name}")
            self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _retry(action: Callable[[], object], transient: str, attempts: int = 20) -> None:
    for attempt in range(attempts):
        try:
            action()
            return
        except OperationalError as exc:
            if transient not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.5)


def make_store(backend: str, postgres_url: str | None, cache_dir: Path = CACHE_DIR) -> Store:
    if backend == "sqlite":
        return SqliteStore(cache_dir)
    if not postgres_url:
        raise SystemExit(
            "PostgreSQL needs a URL: --postgres-url or SCHEDULINGKIT_BENCH_POSTGRES_URL"
            " (or SCHEDULINGKIT_TEST_POSTGRES_URL), e.g."
            " postgresql+psycopg://user:password@127.0.0.1:5432/postgres"
        )
    return PostgresStore(postgres_url)
