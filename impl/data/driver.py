"""Reads and transaction control run on the driver's own connection, SQL compiled by SQLAlchemy.

SQLAlchemy's execution layer costs ~75 us of CPU per statement (a greenlet, an execution
context, a cursor result and its metadata), more than the statement itself: on SQLite the
worker-thread hop is ~65 us, and a request runs two to eight statements. A `DriverStatement`
is a SELECT (or BEGIN/COMMIT/ROLLBACK) compiled by SQLAlchemy once per dialect, whose binds
and result columns go through the types' own processors (`TypeEngine.bind_processor`,
`result_processor`): what the driver receives and what a service reads are what SQLAlchemy
would send and give, rows included (attribute, index and `_mapping` access).

It runs on the driver connection under the request's `AsyncConnection`: one worker-thread hop
on SQLite (`sqlite_driver.run_statement`), one round trip on PostgreSQL. Listeners of the
engine's `before_cursor_execute` see it as they see SQLAlchemy's own statements (the round
trip test counts both). A driver error is raised as SQLAlchemy raises it
(`DBAPIError.instance`), and a connection the error broke is invalidated, so the 503 and
recovery paths are the same as for any statement.

Statements SQLAlchemy must expand per execution (IN lists, literal parameters), INSERT,
UPDATE and DELETE keep SQLAlchemy's execution (`DriverStatement.of` returns None), and so
does a statement object's first run.
"""

from __future__ import annotations

import keyword
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Select, TextClause
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection

from . import sqlite_driver

Processor = Callable[[Any], Any] | None


class DriverRow(tuple):
    """A result row read by position, by attribute, or as a mapping, as SQLAlchemy's `Row`."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))


class DriverResult:
    """The rows of a `DriverStatement`, read as services read a SQLAlchemy `Result`."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        if not self.rows:
            raise NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.rows[0][0]

    def all(self) -> list[Any]:
        return list(self.rows)

    fetchall = all

    def scalars(self) -> list[Any]:
        return [row[0] for row in self.rows]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


class DriverStatement:
    """One statement compiled for one dialect, with its bind order and processors."""

    def __init__(
        self, statement: Select | TextClause, dialect: Dialect, keys: tuple[str, ...] = ()
    ) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.dialect = dialect
        self.compiled = compiled
        self.positional = tuple(compiled.positiontup) if compiled.positional else None
        self.bind_processors: dict[str, Processor] = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.bind_processors[name] = processor
        columns = list(statement.selected_columns) if isinstance(statement, Select) else []
        self.types = [column.type.dialect_impl(dialect) for column in columns]
        if len(keys) != len(columns):
            raise ValueError(f"{len(columns)} columns, {len(keys)} names: {keys}")
        self.row_class = _row_class(keys) if columns else None
        self._processors: dict[tuple, list[Processor]] = {}

    @classmethod
    def of(cls, statement: Any, dialect: Dialect) -> DriverStatement | None:
        """The driver form of `statement`, made once per statement and dialect; None for a
        statement that stays SQLAlchemy's to run.

        Only a statement object run before is compiled here: services build theirs once,
        but one built per request (a `with_for_update()` copy, say) would be compiled
        anew each time, where SQLAlchemy's compiled cache finds it by its cache key."""
        name = dialect.name
        per_dialect = _CACHE.get(statement)
        if per_dialect is not None and name in per_dialect:
            return per_dialect[name]
        keys = _SEEN.get(statement, {}).get(name)
        if keys is None:
            return None
        if per_dialect is None:
            per_dialect = _CACHE[statement] = {}
        prepared = per_dialect[name] = cls._make(statement, dialect, keys)
        return prepared

    @classmethod
    def learn(cls, statement: Any, dialect: Dialect, result: Any) -> None:
        """After a statement's run by SQLAlchemy: the names its rows had, which the driver
        path's rows take (SQLAlchemy's own labels, `count_1` included)."""
        if isinstance(statement, Select | TextClause):
            keys = tuple(result.keys()) if result.returns_rows else ()
            _SEEN.setdefault(statement, {})[dialect.name] = keys

    @classmethod
    def _make(
        cls, statement: Any, dialect: Dialect, keys: tuple[str, ...]
    ) -> DriverStatement | None:
        if isinstance(statement, Select):
            if not all(_field_name(key) for key in keys) or len(set(keys)) != len(keys):
                return None
            if len(keys) != len(statement.selected_columns):
                return None
        elif keys:  # text that returns rows has no typed columns to process them by
            return None
        prepared = cls(statement, dialect, keys)
        compiled = prepared.compiled
        binds = compiled.binds.values()
        if any(b.expanding or b.literal_execute for b in binds) or compiled.post_compile_params:
            return None
        return prepared

    def parameters(self, params: Mapping[str, Any] | None) -> Any:
        """The driver's parameters: SQLAlchemy's values for every bind (defaults
        included), processed by the bind's type, in the order the SQL names them."""
        values = self.compiled.construct_params(params or {})
        for name, processor in self.bind_processors.items():
            values[name] = processor(values[name])
        if self.positional is not None:
            return tuple(values[name] for name in self.positional)
        return values

    def result(self, description: Sequence[Any] | None, rows: list[Any]) -> DriverResult:
        if not description or self.row_class is None:
            return DriverResult([])
        codes = tuple(column[1] for column in description)
        processors = self._processors.get(codes)
        if processors is None:
            processors = self._processors[codes] = [
                kind.result_processor(self.dialect, code)
                for kind, code in zip(self.types, codes, strict=True)
            ]
        make = self.row_class._make
        if not any(processors):
            return DriverResult([make(row) for row in rows])
        return DriverResult(
            [
                make(
                    value if processor is None else processor(value)
                    for processor, value in zip(processors, row, strict=True)
                )
                for row in rows
            ]
        )


_CACHE: WeakKeyDictionary[Any, dict[str, DriverStatement | None]] = WeakKeyDictionary()
# statements run once, by SQLAlchemy: the row names it gave, per dialect
_SEEN: WeakKeyDictionary[Any, dict[str, tuple[str, ...]]] = WeakKeyDictionary()


def _field_name(key: Any) -> bool:
    return (
        isinstance(key, str)
        and key.isidentifier()
        and not keyword.iskeyword(key)
        and not key.startswith("_")
    )


def _row_class(keys: tuple[str, ...]) -> type[DriverRow]:
    base = namedtuple("Row", keys)
    return type("Row", (DriverRow, base), {"__slots__": (), "_fields": keys})


async def run(
    connection: AsyncConnection, prepared: DriverStatement, params: Mapping[str, Any] | None
) -> DriverResult:
    """`prepared` on the driver connection under `connection`; a driver error raised as
    SQLAlchemy raises it, the connection invalidated when the error broke it."""
    sync = connection.sync_connection
    driver = sync.connection.driver_connection
    parameters = prepared.parameters(params)
    announce = sync.engine.dispatch.before_cursor_execute
    if announce:
        announce(sync, None, prepared.sql, parameters, None, False)
    try:
        if prepared.dialect.name == "sqlite":
            description, rows = await sqlite_driver.run_statement(driver, prepared.sql, parameters)
        else:
            async with driver.cursor() as cursor:
                await cursor.execute(prepared.sql, parameters)
                description = cursor.description
                rows = await cursor.fetchall() if description else []
    except Exception as exc:
        base = sqlite3.Error if prepared.dialect.name == "sqlite" else _psycopg_error()
        if not isinstance(exc, base):
            raise
        broken = bool(getattr(driver, "closed", False) or getattr(driver, "broken", False))
        if broken:
            await connection.invalidate()
        raise DBAPIError.instance(
            prepared.sql,
            parameters,
            exc,
            base,
            connection_invalidated=broken,
            dialect=prepared.dialect,
        ) from exc
    return prepared.result(description, rows)


def _psycopg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error
