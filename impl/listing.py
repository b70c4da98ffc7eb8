"""Paginated, filtered, ordered lists, driven by the operation's `x-filter` and `x-ordering`.

A service hands over a base `select(...)`, a map from item fields to SQL expressions and a
serializer; everything the document says about the list is applied here, identically for
every resource.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Date, DateTime, Select, String, and_, exists, false, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from .db import unicode_lower
from .document import Filter, Operation, load_document
from .errors import BadRequest


@dataclass(frozen=True)
class Contains:
    """An array field stored as rows of a child table (`tags` -> `client_tags.tag`)."""

    value: ColumnElement
    child_key: ColumnElement
    parent_key: ColumnElement

    def condition(self, element: Any) -> ColumnElement:
        return exists().where(and_(self.child_key == self.parent_key, self.value == element))


FieldMap = Mapping[str, "ColumnElement | Contains"]


@dataclass(frozen=True)
class ListQuery:
    """What a list request asked for: its operation, its validated arguments and its URL."""

    operation_id: str
    args: Mapping[str, Any]
    path_url: str  # absolute URL without the query string
    query_items: Sequence[tuple[str, str]] = field(default_factory=tuple)  # as sent

    @property
    def operation(self) -> Operation:
        return load_document().operations[self.operation_id]

    @property
    def page(self) -> int:
        return int(self.args.get("page") or self.operation.page_default)

    @property
    def per_page(self) -> int:
        return int(self.args.get("per_page") or self.operation.per_page_default)

    def page_url(self, page: int) -> str:
        items = [(k, v) for k, v in self.query_items if k != "page"]
        return f"{self.path_url}?{urlencode([*items, ('page', str(page))])}"


def apply_filters(stmt: Select, query: ListQuery, fields: FieldMap) -> Select:
    """AND every `x-filter` parameter the request carries into `stmt`."""
    bounds: dict[tuple[str, ...], dict[str, tuple[str, Any]]] = {}
    for spec_filter in query.operation.filters:
        raw = query.args.get(spec_filter.param)
        if raw is None:
            continue
        if spec_filter.op in ("gte", "lt"):
            column = _column(fields, spec_filter.fields[0])
            value = bound_value(column, raw, spec_filter.param)
            bounds.setdefault(spec_filter.fields, {})[spec_filter.op] = (spec_filter.param, value)
            stmt = stmt.where(column >= value if spec_filter.op == "gte" else column < value)
        else:
            stmt = stmt.where(_condition(spec_filter, raw, fields))
    for pair in bounds.values():
        if "gte" in pair and "lt" in pair and pair["gte"][1] > pair["lt"][1]:
            low, high = pair["gte"][0], pair["lt"][0]
            raise BadRequest({low: [f"The {low} field must be a date before or equal to {high}."]})
    return stmt


def _column(fields: FieldMap, name: str) -> ColumnElement:
    target = fields[name]
    if isinstance(target, Contains):
        raise TypeError(f"field {name} is an array: only `contains` filters it")
    return target


def _condition(spec_filter: Filter, raw: Any, fields: FieldMap) -> ColumnElement:
    if spec_filter.op == "search":
        needle = str(raw).lower()
        matches = [
            unicode_lower(_column(fields, name)).contains(needle, autoescape=True)
            for name in spec_filter.fields
        ]
        return or_(*matches) if matches else false()
    if spec_filter.op == "eq":
        return _column(fields, spec_filter.fields[0]) == raw
    if spec_filter.op == "contains":
        target = fields[spec_filter.fields[0]]
        if not isinstance(target, Contains):
            raise TypeError(f"`contains` needs a Contains field for {spec_filter.fields[0]}")
        return target.condition(raw)
    raise ValueError(f"unknown x-filter op {spec_filter.op!r}")


def _sql_type(column: ColumnElement):
    kind = column.type
    return kind.impl if isinstance(kind, TypeDecorator) else kind


def bound_value(column: ColumnElement, raw: str, param: str) -> date | datetime:
    """A date or date-time bound, read the way openapi/README.md says for the field's type."""
    try:
        if "T" in raw or "t" in raw or " " in raw:
            instant = datetime.fromisoformat(raw.replace("z", "Z"))
            if instant.tzinfo is None:
                raise ValueError("a date-time needs a time zone offset")
            instant = instant.astimezone(UTC)
            day = instant.date()
        else:
            day = date.fromisoformat(raw)
            instant = datetime.combine(day, time(0), tzinfo=UTC)
    except (ValueError, OverflowError) as exc:  # OverflowError: outside years 1-9999 in UTC
        message = f"The {param} field must be a valid date or date-time."
        raise BadRequest({param: [message]}) from exc
    kind = _sql_type(column)
    if isinstance(kind, Date) and not isinstance(kind, DateTime):
        return day
    return instant


def _nullable(column: ColumnElement) -> bool:
    """False only for a table column declared NOT NULL (anything else may hold NULLs)."""
    return getattr(getattr(column, "expression", column), "nullable", True) is not False


def order_by(stmt: Select, query: ListQuery, fields: FieldMap, dialect: str) -> Select:
    """The operation's `x-ordering`; strings by code point on every backend.

    NULLS FIRST/LAST is spelled out only for nullable columns: on a NOT NULL column it changes
    nothing, but PostgreSQL then cannot walk a B-tree index for `ASC NULLS FIRST` (it sorts the
    whole team instead of reading the first rows of `(team_id, starts_at, id)`).
    """
    keys = []
    for name, direction in query.operation.ordering:
        column = _column(fields, name)
        nullable = _nullable(column)
        if isinstance(_sql_type(column), String) and dialect == "postgresql":
            column = column.collate("C")
        ordered = column.desc() if direction == "desc" else column.asc()
        if nullable:
            ordered = ordered.nulls_first() if direction == "asc" else ordered.nulls_last()
        keys.append(ordered)
    return stmt.order_by(*keys)


def paginate(
    session: Session,
    stmt: Select,
    query: ListQuery,
    fields: FieldMap,
    serialize: Callable[[Any], dict],
    unfiltered_total: Callable[[Session], int] | None = None,
    as_rows: bool = False,
) -> dict:
    """`{"data", "links", "meta"}` for one page of `stmt` under the request's filters.

    `unfiltered_total(session)`, when given, answers the total of a request without any
    `x-filter` parameter (a count kept elsewhere, cheaper than COUNT over the team's rows);
    a filtered request is always counted. `as_rows` selects the entity's columns instead of
    the entity: `serialize` gets rows with the same attributes, without the cost of building
    and tracking ORM objects (team scoping applies to column selects alike).
    """
    filtered = any(query.args.get(f.param) is not None for f in query.operation.filters)
    stmt = apply_filters(stmt, query, fields)
    if unfiltered_total is not None and not filtered:
        total = unfiltered_total(session)
    else:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = session.scalar(count) or 0
    page, per_page = query.page, query.per_page
    dialect = session.get_bind().dialect.name
    page_stmt = order_by(stmt, query, fields, dialect).limit(per_page).offset((page - 1) * per_page)
    if as_rows:
        entity = stmt.column_descriptions[0]["entity"]
        columns = [getattr(entity, attr.key) for attr in sa_inspect(entity).column_attrs]
        rows = session.execute(page_stmt.with_only_columns(*columns)).all()
    else:
        rows = session.scalars(page_stmt).all()
    return envelope([serialize(row) for row in rows], total, query)


def envelope(data: list[dict], total: int, query: ListQuery) -> dict:
    """The Laravel paginator shape for one page of `data` out of `total` items."""
    page, per_page = query.page, query.per_page
    last_page = max(1, math.ceil(total / per_page))
    first_index = (page - 1) * per_page + 1
    return {
        "data": data,
        "links": {
            "first": query.page_url(1),
            "last": query.page_url(last_page),
            "prev": query.page_url(page - 1) if page > 1 else None,
            "next": query.page_url(page + 1) if page < last_page else None,
        },
        "meta": {
            "current_page": page,
            "from": first_index if data else None,
            "last_page": last_page,
            "per_page": per_page,
            "to": first_index + len(data) - 1 if data else None,
            "total": total,
            "path": query.path_url,
        },
    }
