"""Engines, sessions and the one place where team scoping is enforced.

Every statement that reads a `TeamScoped` model gets `TEAM_CRITERIA` (`team_id = :sk_team_id`
on every scoped entity, subqueries included) from `team_scoped`, and the caller's team as
that parameter: in a team session through `_scope_to_team`, on the session-free read path
through `TeamReader`. Rows flushed by a session are stamped with its team in `_stamp_team`.
A session without a team, or a statement the criterion cannot reach (plain Core on a scoped
table), is refused, so no query can forget the filter.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Result,
    Table,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import String

from .models import Base, TeamScoped

TEAM_KEY = "team_id"
TEAM_PARAM = "sk_team_id"  # the bound parameter TEAM_CRITERIA reads


class ScopingError(RuntimeError):
    """A team-scoped statement was about to run without (or outside) its team."""


class Database:
    """An engine and its session factory: one per app (tests run several side by side)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def team_session(self, team_id: int) -> Session:
        """A session that sees and writes only `team_id`'s rows."""
        session = self.sessions()
        session.info[TEAM_KEY] = team_id
        return session

    @contextmanager
    def unit_of_work(self, team_id: int) -> Iterator[Session]:
        """A team session committed when the block succeeds, rolled back otherwise."""
        with self.team_session(team_id) as session, session.begin():
            yield session

    @contextmanager
    def system_session(self) -> Iterator[Session]:
        """A session for platform tables (teams, tokens) only; committed on success."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reader(self, team_id: int) -> Iterator[TeamReader]:
        """`team_id`'s rows through a plain Core connection: the read path with no session."""
        with self.engine.connect() as connection:
            yield TeamReader(connection, team_id)

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    """An engine with the per-backend settings the server relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    """WAL for concurrent readers, enforced foreign keys, and a Unicode-aware lower()."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
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


class DriverQuery:
    """A SQLAlchemy statement compiled once per dialect and run on the driver's cursor.

    For the one-row reads every request makes (the token, a team's kept event count): in the
    running server SQLAlchemy's execution layer costs ~40-55 us around queries the driver
    answers in ~5 us. Values come back as the driver gives them, with no type processing:
    only for columns whose driver values the caller can use as they are.
    """

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str, str], tuple[str, tuple[str, ...] | None]] = {}

    def first(self, connection: Connection, params: Mapping[str, Any]) -> tuple | None:
        """The first row, on `connection`'s own driver connection (its transaction too)."""
        dialect = connection.dialect
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        compiled = self._compiled.get(key)
        if compiled is None:
            statement = self.statement.compile(dialect=dialect)
            positions = tuple(statement.positiontup or ()) if statement.positional else None
            compiled = self._compiled[key] = (statement.string, positions)
        sql, positions = compiled
        values = params if positions is None else tuple(params[name] for name in positions)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, values)
            return cursor.fetchone()
        finally:
            cursor.close()


class TeamReader:
    """Reads one team's rows over a Core connection, without an ORM session.

    A session costs more than the query on the hottest reads (a page of events, one event);
    this runs ORM-enabled selects (`select(Event.id, ...)`) with the same `TEAM_CRITERIA` a
    team session adds, so scoping stays one rule with one definition.
    """

    def __init__(self, connection: Connection, team_id: int) -> None:
        self.bind = connection  # its owner closes it (`Database.reader`, the request state)
        self.team_id = team_id

    def execute(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Result:
        return self.bind.execute(
            team_scoped(statement), {**(params or {}), TEAM_PARAM: self.team_id}
        )

    def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        return self.execute(statement, params).scalar()

    def first(self, query: DriverQuery, params: Mapping[str, Any] | None = None) -> tuple | None:
        """A driver-run query's first row. The team criterion cannot be added to it, so it
        must be a plain statement that filters by `:sk_team_id` itself (and names no
        team-scoped table: `team_scoped` refuses those)."""
        if team_scoped(query.statement) is not query.statement:
            raise ScopingError("a driver-run query would escape the team criterion")
        return query.first(self.bind, {**(params or {}), TEAM_PARAM: self.team_id})


# The criterion reads the team from a bound parameter, not from a closure: the scoped statement
# is then the same for every team, and SQLAlchemy compiles it once.
# (The name is spelled out: SQLAlchemy's lambda analysis would wrap a global name.)
TEAM_CRITERIA = with_loader_criteria(
    TeamScoped, lambda cls: cls.team_id == bindparam("sk_team_id"), include_aliases=True
)
_scoped: WeakKeyDictionary[Executable, Executable] = WeakKeyDictionary()


def team_scoped(statement: Executable) -> Executable:
    """`statement` with `TEAM_CRITERIA`, made once per statement object (lists and reads
    build theirs once, so the copy and its cache key are not made again per request)."""
    scoped = _scoped.get(statement)
    if scoped is None:
        if not _orm_enabled(statement) and _touches_scoped_table(statement):
            raise ScopingError("a plain Core statement on a team table escapes the team criterion")
        scoped = statement.options(TEAM_CRITERIA) if _orm_enabled(statement) else statement
        _scoped[statement] = scoped
    return scoped


def _orm_enabled(statement: Executable) -> bool:
    return statement._propagate_attrs.get("compile_state_plugin") == "orm"


def _touches_scoped_table(statement: Executable) -> bool:
    scoped = _scoped_tables()
    return any(element in scoped for element in visitors.iterate(statement))


def _scoped_tables() -> frozenset[Table]:
    return frozenset(
        mapper.local_table
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TeamScoped)
    )


def _touches_team_scoped(state: ORMExecuteState) -> bool:
    """Whether the statement reads or writes a team-scoped table anywhere (subqueries too)."""
    if any(issubclass(mapper.class_, TeamScoped) for mapper in state.all_mappers):
        return True
    return _touches_scoped_table(state.statement)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_team(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return  # inserts: `_stamp_team` gives new rows their team
    loads_for_parent = state.is_column_load or state.is_relationship_load
    team_id = state.session.info.get(TEAM_KEY)
    if team_id is None:
        if not loads_for_parent and _touches_team_scoped(state):
            raise ScopingError("team-scoped statement in a session without a team")
        return
    # Column and relationship loads inherit the criterion of the statement that loaded the
    # parent; like every other statement they need the parameter it reads.
    parameters = state.parameters
    if isinstance(parameters, list):
        state.parameters = [{**p, TEAM_PARAM: team_id} for p in parameters]
    else:
        state.parameters = {**(parameters or {}), TEAM_PARAM: team_id}
    if not loads_for_parent:
        # Always added: it is a no-op for statements without scoped entities, and it reaches
        # scoped entities inside subqueries that `all_mappers` does not list.
        state.statement = team_scoped(state.statement)


@event.listens_for(Session, "before_flush")
def _stamp_team(session: Session, _context: Any, _instances: Any) -> None:
    scoped = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, TeamScoped)]
    if not scoped:
        return
    team_id = session.info.get(TEAM_KEY)
    if team_id is None:
        raise ScopingError("team-scoped rows flushed by a session without a team")
    for obj in scoped:
        if obj.team_id is None:
            obj.team_id = team_id
        elif obj.team_id != team_id:
            raise ScopingError("a session may write only its own team's rows")


def unit_of_work(token_info: dict) -> contextlib.AbstractContextManager[Session]:
    """The caller's team session (from the token info the security check produced); the
    request's read connection goes back to the pool first, so a write holds one connection."""
    token_info["request"].release()
    return token_info["database"].unit_of_work(token_info["principal"].team_id)


def reader(token_info: dict) -> TeamReader:
    """The caller's team reader, on the connection the token was read with."""
    database: Database = token_info["database"]
    connection = token_info["request"].connection(database.engine)
    return TeamReader(connection, token_info["principal"].team_id)
