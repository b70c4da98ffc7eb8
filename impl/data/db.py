"""Engines, the request's connection, and the one place where team scoping is enforced.

The request path runs on SQLAlchemy's asyncio extension: psycopg 3's async driver for
PostgreSQL, aiosqlite for SQLite. Connections are in autocommit at the driver, so a read is
one round trip with no BEGIN/ROLLBACK around it; a write that needs more than one statement
opens its transaction explicitly (`TeamConnection.transaction`).

Every checkout and every statement has a deadline (`Database.timeout`): a database that is
down, unreachable or does not answer in time raises `ServiceUnavailable` (503), and a
connection that missed its deadline is dropped, never handed to the next request.

Every statement a `TeamConnection` runs goes through `team_scoped`: ORM-enabled SELECT,
UPDATE and DELETE get `TEAM_CRITERIA` (`team_id = :sk_team_id` on every scoped entity,
subqueries included), INSERTs into a scoped table get the team's id as `team_id`, and the
team's id is bound as that parameter. A plain Core statement on a scoped table, which the
criterion cannot reach, is refused, so no query can forget the filter. The synchronous
`system_session` (the CLI, tests) touches only platform tables.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import (
    Engine,
    Executable,
    Insert,
    Result,
    Table,
    bindparam,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import String

from ..domain.errors import ServiceUnavailable
from . import driver, sqlite_driver
from .driver import DriverResult, DriverStatement
from .models import Base, TeamScoped
from .models.platform import Team

T = TypeVar("T")
TEAM_PARAM = "sk_team_id"  # the bound parameter TEAM_CRITERIA reads
DEFAULT_POOL_SIZE = 20  # the server's own is `Settings.database_pool_size`
DEFAULT_TIMEOUT = 0.75  # seconds; the server's own is `Settings.database_timeout`
# JSON columns and the children `json_sql` aggregates, read and written with orjson
JSON_CODEC: dict[str, Any] = {
    "json_serializer": lambda value: orjson.dumps(value).decode(),
    "json_deserializer": orjson.loads,
}
IN_TRANSACTION = "schedulingkit.in_transaction"  # on a connection's info: BEGIN without its end
OPENED = "schedulingkit.opened"  # on a connection's info: when `Database` first kept it
# A kept connection goes back to the engine's pool after this long, which then replaces it
# (`pool_recycle`): a connection is never older than about twice this.
RECYCLE_SECONDS = 3600
# SQLite is in the process: it cannot be down or far away, only locked by another writer
# (or starved of CPU). Its deadline is how long a writer queues for the lock.
SQLITE_LOCK_WAIT = 5.0

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


class ScopingError(RuntimeError):
    """A team-scoped statement was about to run without (or outside) its team."""


# PostgreSQL's own deadline (statement_timeout, the same as ours) and a lock not granted
_LATE = frozenset({"57014", "55P03"})


def unavailable(exc: BaseException, *, connecting: bool = False) -> bool:
    """Whether `exc` means the database is not there in time (rather than a statement's own
    error): a missed deadline (ours or PostgreSQL's), a lost or refused connection, SQLite's
    lock held past its wait."""
    if isinstance(exc, TimeoutError | PoolTimeout | OSError):
        return True
    if isinstance(exc, DBAPIError):
        if connecting or exc.connection_invalidated:
            return True
        if getattr(exc.orig, "sqlstate", None) in _LATE:
            return True
        return isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig)
    return False


@dataclass(frozen=True)
class TeamDefaults:
    """What new rows of a team take when the request leaves a field out (read with the token)."""

    id: int
    timezone: str
    currency: str
    invoice_prefix: str


class Database:
    """The server's async engine, and a synchronous one for platform chores (CLI, tests)."""

    def __init__(
        self, url: str, timeout: float = DEFAULT_TIMEOUT, pool_size: int = DEFAULT_POOL_SIZE
    ) -> None:
        self.url = url
        if make_url(url).get_backend_name() == "sqlite":
            timeout = max(timeout, SQLITE_LOCK_WAIT)
        self.timeout = timeout
        self.engine: AsyncEngine = make_async_engine(url, timeout, pool_size)
        self._sync_engine: Engine | None = None
        self.networked = make_url(url).get_backend_name() != "sqlite"
        # Connections a request gave back, kept checked out for the next one (last in, first
        # out): taking one is a list pop, where a checkout from the engine's pool and its
        # return cost ~90 us of CPU per request (a greenlet each way, a new `Connection`).
        # At most `pool_size`, so the engine's bound still holds.
        self._idle: list[AsyncConnection] = []
        self._idle_max = pool_size
        self._waiting = 0  # requests waiting for the engine's pool
        self._closed = False

    def connections_in_use(self) -> int:
        """Connections requests hold now (checked out of the engine's pool and not kept idle
        here)."""
        return self.engine.pool.checkedout() - len(self._idle)

    @property
    def sync_engine(self) -> Engine:
        if self._sync_engine is None:
            self._sync_engine = make_engine(self.url)
        return self._sync_engine

    @contextmanager
    def system_session(self) -> Iterator[Session]:
        """A session for platform tables (teams, tokens) only; committed on success."""
        with sessionmaker(self.sync_engine, expire_on_commit=False).begin() as session:
            yield session

    async def connect(self) -> AsyncConnection:
        """A connection from the pool, within the deadline (else `ServiceUnavailable`)."""
        if self._idle:
            return self._idle.pop()
        self._waiting += 1
        try:
            async with asyncio.timeout(self.timeout):
                return await self.engine.connect()
        except Exception as exc:
            if unavailable(exc, connecting=True):
                raise ServiceUnavailable("database") from exc
            raise
        finally:
            self._waiting -= 1

    async def execute(
        self, connection: AsyncConnection, statement: Executable, params: Params = None
    ) -> Result | DriverResult:
        """`statement` on `connection` within the deadline, else `ServiceUnavailable`.

        A read or transaction control runs on the driver's own connection once its statement
        object has run (`driver.DriverStatement`); a first run, a write, an IN list and a
        list of parameter sets are SQLAlchemy's to run.

        On PostgreSQL the deadline closes the connection's socket (libpq's `finish`): the
        statement then fails at once as a lost connection, which SQLAlchemy invalidates, so
        it never goes back to the pool. (Cancelling the awaiting task instead would make
        psycopg ask the server to cancel and wait for it, up to 10 s on a frozen server.)
        SQLite needs no timer: it is in the process, and waits for a writer's lock no
        longer than its busy timeout, the same deadline."""
        many = isinstance(params, Sequence)
        prepared = None if many else DriverStatement.of(statement, connection.dialect)
        if prepared is not None:
            run = functools.partial(driver.run, connection, prepared, params)
            return await self._deadlined(connection, run)
        result = await self._deadlined(connection, lambda: connection.execute(statement, params))
        if not many:
            DriverStatement.learn(statement, connection.dialect, result)
        return result

    async def _deadlined(self, connection: AsyncConnection, start: Callable[[], Awaitable[T]]) -> T:
        """What `start` awaits, within the deadline (see `execute`)."""
        deadline = None
        if self.networked:
            raw = connection.sync_connection.connection.driver_connection
            deadline = asyncio.get_running_loop().call_later(self.timeout, raw.pgconn.finish)
        try:
            return await start()
        except Exception as exc:
            if unavailable(exc):
                raise ServiceUnavailable("database") from exc
            raise
        finally:
            if deadline is not None:
                deadline.cancel()

    async def release(self, connection: AsyncConnection) -> None:
        """Give a connection back to the pool, or drop it when a transaction was left open on
        it (a request cancelled between BEGIN and COMMIT): the pool resets nothing."""
        # (an invalidated connection is checked first: its `info` is out of reach)
        if connection.invalidated:
            await connection.close()
            return
        info = connection.info
        if info.get(IN_TRANSACTION):
            await connection.invalidate()
            await connection.close()
            return
        now = time.monotonic()
        opened = info.setdefault(OPENED, now)
        fresh = now - opened < RECYCLE_SECONDS
        # kept only while no request waits on the engine's pool, which hands it one
        keep = not self._closed and not self._waiting and len(self._idle) < self._idle_max
        if fresh and keep:
            self._idle.append(connection)
            return
        if not fresh:  # the engine's pool recycles it when it is next checked out
            info[OPENED] = now
        await connection.close()

    @asynccontextmanager
    async def team(self, team_id: int) -> AsyncIterator[TeamConnection]:
        """A connection of its own seen as `team_id` (seeding, tests; requests use the
        connection their token was read with)."""
        connection = await self.connect()
        try:
            defaults = await team_defaults(self, connection, team_id)
            yield TeamConnection(self, connection, defaults)
        finally:
            await self.release(connection)

    async def aclose(self) -> None:
        self._closed = True
        while self._idle:
            await self._idle.pop().close()
        await self.engine.dispose()
        self.dispose()

    def dispose(self) -> None:
        """Close the synchronous engine's connections (the async ones close in `aclose`)."""
        if self._sync_engine is not None:
            self._sync_engine.dispose()


def async_url(url: str) -> URL:
    """`url` with the asyncio driver of its backend: psycopg's async mode, or aiosqlite with
    one worker-thread hop per statement (`sqlite_driver`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database backend {backend!r} (SQLite or PostgreSQL)")


def make_async_engine(
    url: str, timeout: float = DEFAULT_TIMEOUT, pool_size: int = DEFAULT_POOL_SIZE
) -> AsyncEngine:
    """The request path's engine: autocommit at the driver, no pre-ping per checkout (a
    connection the server dropped fails its statement, is invalidated, and the next
    checkout opens a new one), a pool that answers within the deadline, and no ROLLBACK
    when a connection goes back: in autocommit only `TeamConnection.transaction` opens a
    transaction, and `Database.release` drops a connection one was left open on (on SQLite
    the reset costs a worker-thread hop, 140 us a request).

    The pool has `pool_size` connections and no overflow: a connection opened past the pool
    would be closed when it comes back, so a load above the pool would open and close one
    per request (a handshake, and on PostgreSQL a backend process, each time). A request
    beyond the pool waits for a connection instead, within the deadline."""
    parsed = async_url(url)
    shared: dict[str, Any] = {
        "isolation_level": "AUTOCOMMIT",
        "pool_size": pool_size,
        "max_overflow": 0,
        "pool_timeout": timeout,
        "pool_reset_on_return": None,
        # closing a connection after a statement ends SQLAlchemy's own (autobegun)
        # transaction; in autocommit the driver's rollback() has nothing to undo, and on
        # SQLite it is a worker-thread hop per request
        "skip_autocommit_rollback": True,
        **JSON_CODEC,
    }
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(parsed, **shared)
        # a writer waits for SQLite's lock no longer than the deadline
        configure = functools.partial(_configure_sqlite, busy_ms=max(1, round(timeout * 1000)))
        event.listen(engine.sync_engine, "connect", configure)
        return engine
    # the server gives up on a statement at the same deadline (set once per connection)
    statement_ms = max(1, round(timeout * 1000))
    return create_async_engine(
        parsed,
        **shared,
        pool_recycle=RECYCLE_SECONDS,
        connect_args={"options": f"-c statement_timeout={statement_ms}"},
    )


def make_engine(url: str) -> Engine:
    """A synchronous engine with the same per-backend settings (CLI, migrations, tests)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any, busy_ms: int = 5000) -> None:
    """WAL for concurrent readers, enforced foreign keys, and a Unicode-aware lower()."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.close()
    dbapi_connection.create_function("sk_lower", 1, _lower, deterministic=True)


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


class unicode_lower(GenericFunction):
    """lower() with Unicode case folding on both backends (SQLite's own is ASCII-only)."""

    type = String()
    name = "unicode_lower"
    inherit_cache = True


@compiles(unicode_lower)
def _compile_lower(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "postgresql")
def _compile_lower_postgresql(element, compiler, **kw):
    # the database's own (UTF-8) collation: a column sorted with "C" would lower ASCII only
    return f'lower(({compiler.process(element.clauses, **kw)}) COLLATE "default")'


@compiles(unicode_lower, "sqlite")
def _compile_lower_sqlite(element, compiler, **kw):
    return f"sk_lower({compiler.process(element.clauses, **kw)})"


class TeamConnection:
    """One team's view of a connection: every statement scoped to the team.

    The connection is in autocommit: each statement outside `transaction()` commits on its
    own, which is what a read or a single-statement write wants (one round trip).
    """

    def __init__(self, database: Database, connection: AsyncConnection, team: TeamDefaults):
        self.database = database
        self.connection = connection  # its owner closes it (the request state, `Database`)
        self.team = team
        self.dialect = connection.dialect.name

    @property
    def team_id(self) -> int:
        return self.team.id

    async def execute(self, statement: Executable, params: Params = None) -> Result | DriverResult:
        scoped = team_scoped(statement)
        if isinstance(params, Sequence):
            bound: Any = [{**p, TEAM_PARAM: self.team.id} for p in params]
        else:
            bound = {**(params or {}), TEAM_PARAM: self.team.id}
        return await self.database.execute(self.connection, scoped, bound)

    async def scalar(self, statement: Executable, params: Params = None) -> Any:
        return (await self.execute(statement, params)).scalar()

    async def first(self, statement: Executable, params: Params = None) -> Any:
        return (await self.execute(statement, params)).first()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Statements that must commit together: BEGIN (SQLite: BEGIN IMMEDIATE, which takes
        the write lock first, so two writers queue instead of failing on upgrade), then
        COMMIT, or ROLLBACK when the block raises."""
        begin = "BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN"
        await self._control(begin)
        info = self.connection.info
        info[IN_TRANSACTION] = True
        try:
            yield
        except BaseException:
            if not self.connection.invalidated:  # a dropped connection rolled back with it
                await self._control("ROLLBACK")
                info[IN_TRANSACTION] = False
            raise
        await self._control("COMMIT")
        info[IN_TRANSACTION] = False

    async def _control(self, command: str) -> None:
        await self.database.execute(self.connection, _CONTROL[command])


_CONTROL = {c: text(c) for c in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")}


# The token lookup reads the same columns in its own query (`tokens.authenticate`).
DEFAULT_COLUMNS = (Team.timezone, Team.currency, Team.invoice_prefix)
_TEAM_DEFAULTS = select(*DEFAULT_COLUMNS).where(Team.id == bindparam("team_id"))


async def team_defaults(
    database: Database, connection: AsyncConnection, team_id: int
) -> TeamDefaults:
    """A team's defaults (LookupError when there is no such team)."""
    row = (await database.execute(connection, _TEAM_DEFAULTS, {"team_id": team_id})).first()
    if row is None:
        raise LookupError(f"no team with id {team_id}")
    return TeamDefaults(team_id, *row)


# The criterion reads the team from a bound parameter, not from a closure: the scoped statement
# is then the same for every team, and SQLAlchemy compiles it once.
# (The name is spelled out: SQLAlchemy's lambda analysis would wrap a global name.)
TEAM_CRITERIA = with_loader_criteria(
    TeamScoped, lambda cls: cls.team_id == bindparam("sk_team_id"), include_aliases=True
)
_scoped: WeakKeyDictionary[Executable, Executable] = WeakKeyDictionary()


def team_scoped(statement: Executable) -> Executable:
    """`statement` restricted to the team in `:sk_team_id`, made once per statement object
    (services build theirs once, so the copy and its cache key are not made again per
    request)."""
    scoped = _scoped.get(statement)
    if scoped is None:
        scoped = _scoped[statement] = _scope(statement)
    return scoped


def _scope(statement: Executable) -> Executable:
    if isinstance(statement, Insert):
        table = statement.table
        if isinstance(table, Table) and table in _scoped_tables():
            if not _orm_enabled(statement):
                raise ScopingError("insert into a team table with a plain Core statement")
            return statement.values(team_id=bindparam(TEAM_PARAM))
        _refuse_scoped_subqueries(statement)
        return statement
    if _orm_enabled(statement):
        return statement.options(TEAM_CRITERIA)
    _refuse_scoped_subqueries(statement)
    return statement


def team_condition(source: Any) -> Any:
    """`team_id = :sk_team_id` for a team-scoped table or entity, else None: for SQL built
    at compile time (`json_sql`), which the criterion cannot reach."""
    table = getattr(source, "__table__", source)
    if table in _scoped_tables():
        return table.c.team_id == bindparam(TEAM_PARAM)
    return None


def _refuse_scoped_subqueries(statement: Executable) -> None:
    scoped = _scoped_tables()
    if any(element in scoped for element in visitors.iterate(statement)):
        raise ScopingError("a plain Core statement on a team table escapes the team criterion")


def _orm_enabled(statement: Executable) -> bool:
    return statement._propagate_attrs.get("compile_state_plugin") == "orm"


def _scoped_tables() -> frozenset[Table]:
    return frozenset(
        mapper.local_table
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TeamScoped)
    )


@event.listens_for(Session, "do_orm_execute")
def _platform_only(state: ORMExecuteState) -> None:
    """The synchronous sessions are for platform tables: a team table there is refused."""
    if state.is_column_load or state.is_relationship_load:
        return
    if any(issubclass(mapper.class_, TeamScoped) for mapper in state.all_mappers):
        raise ScopingError("team-scoped statement in a platform session")
    if any(element in _scoped_tables() for element in visitors.iterate(state.statement)):
        raise ScopingError("team-scoped statement in a platform session")


@event.listens_for(Session, "before_flush")
def _no_team_rows(session: Session, _context: Any, _instances: Any) -> None:
    if any(isinstance(obj, TeamScoped) for obj in (*session.new, *session.dirty)):
        raise ScopingError("team-scoped rows flushed by a platform session")
