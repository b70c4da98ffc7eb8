"""Helpers every service uses: answered columns, lookups that answer 404, business-rule
errors, writes whose constraint violations are 422s, formatting.

Services read and write with statements on the caller's `TeamConnection` (scoped to the
team there) and answer from the rows the database gives back: a read is one statement, a
write a few, each counted (tests/test_server_round_trips.py).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from ..data.db import TeamConnection
from ..data.models.base import UTCDateTime, WireTimestamp
from ..domain.errors import NotFound, ValidationFailed

TIMESTAMPS = ("created_at", "updated_at")


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with `Z`, to the second (the wire format of every timestamp)."""
    if moment is None:
        return None
    # isoformat, not strftime("%Y"): glibc writes year 347 as "347", RFC 3339 needs "0347"
    if moment.tzinfo is UTC and not moment.microsecond:  # what UTCDateTime reads back
        return moment.isoformat()[:-6] + "Z"  # "+00:00" -> "Z"
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def wire_columns(model: type, keys: Iterable[str]) -> tuple[ColumnElement[Any], ...]:
    """The model's columns named `keys`, labelled by key; UTC timestamps read straight into
    their wire form (`2026-03-16T08:00:00Z`)."""
    columns = []
    for key in keys:
        column = getattr(model, key)
        if isinstance(column.type, UTCDateTime):
            column = type_coerce(column, WireTimestamp).label(key)
        columns.append(column)
    return tuple(columns)


def row_serializer(columns: Iterable[ColumnElement[Any]]) -> Callable[[Row], dict[str, Any]]:
    """Rows that start with `columns` (a statement may add columns of its own after them)
    as answered objects, keyed by the columns' names."""
    keys = tuple(column.key for column in columns)

    def serialize(row: Row) -> dict[str, Any]:
        return dict(zip(keys, row, strict=False))

    return serialize


def missing(model: type, id_: int) -> NotFound:
    """The 404 of an id that names no row of the caller's team."""
    return NotFound(f"No {_label(model)} with id {id_}.")


def found(row: Row | None, model: type, id_: int) -> Row:
    """`row`, or the 404 of an id the caller's team does not have."""
    if row is None:
        raise missing(model, id_)
    return row


def _label(model: type) -> str:
    return getattr(model, "__label__", model.__tablename__.removesuffix("s").replace("_", " "))


def present(body: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The given fields of a validated body (absent fields keep their stored value)."""
    return {name: body[name] for name in names if name in body}


def changes(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `wanted` that differ from `current`: what an UPDATE must write (none:
    no UPDATE, and `updated_at` stays)."""
    return {name: value for name, value in wanted.items() if current.get(name) != value}


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class Rules:
    """Collects business-rule failures and raises them together as one 422."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def timezone(self, field: str, value: str | None) -> None:
        if value is not None and value not in known_timezones():
            self.fail(field, f"The {field} field must be a valid timezone.")

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


@asynccontextmanager
async def violation_is_422(field: str, message: str) -> AsyncIterator[None]:
    """A constraint the statements inside break (a unique value taken by a concurrent
    request, a row still referenced, a reference deleted meanwhile) is a 422 on `field`."""
    try:
        yield
    except IntegrityError as exc:
        raise ValidationFailed({field: [message]}) from exc


class Rows:
    """One resource's own rows by id: the statements every service needs, built once, each
    answering the resource's `columns`.

    `locked` reads a row `FOR UPDATE` (extra columns may be added for the checks an update
    makes in the same statement); `write` updates only the columns that change.
    """

    def __init__(self, model: type, columns: Iterable[ColumnElement[Any]]) -> None:
        self.model = model
        self.columns = tuple(columns)
        key = model.id == bindparam("row_id")
        self.by_id: Select = select(*self.columns).where(key)
        self.locked: Select = self.by_id.with_for_update(of=model)
        self._insert = insert(model).returning(*self.columns)
        self._update = update(model).where(key).returning(*self.columns)
        self._delete = delete(model).where(key).returning(model.id)

    async def get(
        self, db: TeamConnection, id_: int, statement: Select | None = None, **params: Any
    ) -> Row:
        """The row (by `statement`, default `by_id`), or the 404 of an unknown id."""
        row = await db.first(
            self.by_id if statement is None else statement, {"row_id": id_, **params}
        )
        return found(row, self.model, id_)

    async def create(self, db: TeamConnection, values: Mapping[str, Any]) -> Row:
        return await db.first(self._insert, values)

    async def write(self, db: TeamConnection, current: Row, wanted: Mapping[str, Any]) -> Row:
        """`current` with the values of `wanted` that differ from it: one UPDATE, or none
        (and `updated_at` stays) when nothing changes."""
        changed = changes(current._mapping, wanted)
        if not changed:
            return current
        return await db.first(self._update, {"row_id": current.id, **changed})

    async def remove(self, db: TeamConnection, id_: int, still_used: str) -> None:
        """Delete the row; one that others still refer to is a 422 on `id`."""
        async with violation_is_422("id", still_used):
            if await db.first(self._delete, {"row_id": id_}) is None:
                raise missing(self.model, id_)
