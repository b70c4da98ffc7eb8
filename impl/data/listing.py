"""Paginated, filtered, ordered lists, driven by the operation's `x-filter` and `x-ordering`.

A service declares a `Listing`: a base `select(...)`, a map from item fields to SQL
expressions and a serializer; everything the document says about the list is applied here,
identically for every resource.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from schedulingkit.openapi.contract import Filter, Operation
from sqlalchemy import (
    Date,
    DateTime,
    Select,
    String,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from ..domain.errors import BadRequest
from .db import TeamConnection, unicode_lower


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

    operation: Operation
    args: Mapping[str, Any]
    path_url: str  # absolute URL without the query string
    query_items: Sequence[tuple[str, str]] = field(default_factory=tuple)  # as sent

    @cached_property
    def page(self) -> int:
        return int(self.args.get("page") or self.operation.paging.page)

    @cached_property
    def per_page(self) -> int:
        return int(self.args.get("per_page") or self.operation.paging.per_page)

    def page_url(self, page: int) -> str:
        """The URL of another page: the request's own query, its `page` last."""
        return f"{self._link_prefix}page={page}"

    @cached_property
    def _link_prefix(self) -> str:
        kept = urlencode([(k, v) for k, v in self.query_items if k != "page"])
        return f"{self.path_url}?{kept}&" if kept else f"{self.path_url}?"


class Listing:
    """One resource's list: its base select, field map and serializer.

    The count and page statements for a combination of filters are built once per dialect and
    reused, with the filter values, the team, LIMIT and OFFSET as bound parameters: building a
    statement and its cache key cost more than running it on the hottest lists. A request is
    two statements, the count and the page: the base selects plain columns, children included
    as JSON (`json_sql`), and `serialize` turns each row into the answered item.

    `kept_total(db)`, when given, answers the total of a request without any `x-filter`
    parameter (a count kept elsewhere, cheaper than COUNT over the team's rows); a filtered
    request is always counted.
    """

    def __init__(
        self,
        base: Select,
        fields: FieldMap,
        serialize: Callable[[Any], dict],
        kept_total: Callable[[TeamConnection], Awaitable[int]] | None = None,
    ) -> None:
        self.base = base
        self.fields = fields
        self.serialize = serialize
        self.kept_total = kept_total
        self._plans: dict[tuple[str, tuple[str, ...], str], _Plan] = {}

    async def page(self, db: TeamConnection, query: ListQuery) -> dict:
        """`{"data", "links", "meta"}` for one page under the request's filters."""
        operation = query.operation
        present = tuple(f for f in operation.filters if query.args.get(f.name) is not None)
        key = (operation.operation_id, tuple(f.name for f in present), db.dialect)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(operation, present, db.dialect)
        params = filter_values(present, query.args, self.fields)
        if self.kept_total is not None and not present:
            total = await self.kept_total(db)
        else:
            total = await db.scalar(plan.count, params) or 0
        params[_LIMIT], params[_OFFSET] = query.per_page, (query.page - 1) * query.per_page
        rows = (await db.execute(plan.page, params)).all()
        return envelope([self.serialize(row) for row in rows], total, query)

    def _plan(self, operation: Operation, present: tuple[Filter, ...], dialect: str) -> _Plan:
        stmt = self.base
        for spec_filter in present:
            stmt = stmt.where(_condition(spec_filter, self.fields))
        # counted over the ids alone: the children the page carries as JSON cost nothing here
        counted = stmt.with_only_columns(_column(self.fields, "id")).order_by(None)
        count = select(func.count()).select_from(counted.subquery())
        ordered = order_by(stmt, operation, self.fields, dialect)
        return _Plan(count, ordered.limit(bindparam(_LIMIT)).offset(bindparam(_OFFSET)))


@dataclass(frozen=True)
class _Plan:
    count: Select
    page: Select


_LIMIT, _OFFSET = "sk_limit", "sk_offset"


def _param_name(spec_filter: Filter) -> str:
    return f"filter_{spec_filter.name}"


def _condition(spec_filter: Filter, fields: FieldMap) -> ColumnElement:
    """The filter's condition, its value a bound parameter (see `filter_values`)."""
    value = bindparam(_param_name(spec_filter))
    if spec_filter.op == "search":
        matches = [
            unicode_lower(_column(fields, name)).like(value, escape=_ESCAPE)
            for name in spec_filter.fields
        ]
        return or_(*matches) if matches else false()
    if spec_filter.op == "eq":
        return _column(fields, spec_filter.fields[0]) == value
    if spec_filter.op == "gte":
        return _column(fields, spec_filter.fields[0]) >= value
    if spec_filter.op == "lt":
        return _column(fields, spec_filter.fields[0]) < value
    if spec_filter.op == "contains":
        target = fields[spec_filter.fields[0]]
        if not isinstance(target, Contains):
            raise TypeError(f"`contains` needs a Contains field for {spec_filter.fields[0]}")
        return target.condition(value)
    raise ValueError(f"unknown x-filter op {spec_filter.op!r}")


_ESCAPE = "/"


def filter_values(
    present: Sequence[Filter], args: Mapping[str, Any], fields: FieldMap
) -> dict[str, Any]:
    """The bound values of the request's filters; a `gte` bound after its `lt` is a 400."""
    values: dict[str, Any] = {}
    bounds: dict[tuple[str, ...], dict[str, tuple[str, Any]]] = {}
    for spec_filter in present:
        raw = args[spec_filter.name]
        if spec_filter.op == "search":
            value: Any = f"%{_escape_like(str(raw).lower())}%"
        elif spec_filter.op in ("gte", "lt"):
            value = bound_value(_column(fields, spec_filter.fields[0]), raw, spec_filter.name)
            bounds.setdefault(spec_filter.fields, {})[spec_filter.op] = (spec_filter.name, value)
        else:
            value = raw
        values[_param_name(spec_filter)] = value
    for pair in bounds.values():
        _in_order(pair)
    return values


def window(query: ListQuery, column: ColumnElement) -> tuple[Any, Any]:
    """The operation's `gte` and `lt` bounds (None where not sent), read for `column` as its
    filters would read them; a `gte` bound after its `lt` is a 400."""
    pair: dict[str, tuple[str, Any]] = {}
    for spec_filter in query.operation.filters:
        raw = query.args.get(spec_filter.name)
        if raw is not None and spec_filter.op in ("gte", "lt"):
            pair[spec_filter.op] = (spec_filter.name, bound_value(column, raw, spec_filter.name))
    _in_order(pair)
    return tuple(pair[op][1] if op in pair else None for op in ("gte", "lt"))


def _in_order(pair: Mapping[str, tuple[str, Any]]) -> None:
    if "gte" in pair and "lt" in pair and pair["gte"][1] > pair["lt"][1]:
        low, high = pair["gte"][0], pair["lt"][0]
        raise BadRequest({low: [f"The {low} field must be a date before or equal to {high}."]})


def _escape_like(text: str) -> str:
    """A LIKE pattern matching `text` literally (what SQLAlchemy's `autoescape` does)."""
    for special in (_ESCAPE, "%", "_"):
        text = text.replace(special, _ESCAPE + special)
    return text


def _column(fields: FieldMap, name: str) -> ColumnElement:
    target = fields[name]
    if isinstance(target, Contains):
        raise TypeError(f"field {name} is an array: only `contains` filters it")
    return target


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


def order_by(stmt: Select, operation: Operation, fields: FieldMap, dialect: str) -> Select:
    """The operation's `x-ordering`; strings by code point on every backend.

    NULLS FIRST/LAST is spelled out only for nullable columns: on a NOT NULL column it changes
    nothing, but PostgreSQL then cannot walk a B-tree index for `ASC NULLS FIRST` (it sorts the
    whole team instead of reading the first rows of `(team_id, starts_at, id)`).
    """
    keys = []
    for key in operation.ordering:
        column = _column(fields, key.field)
        nullable = _nullable(column)
        if isinstance(_sql_type(column), String) and dialect == "postgresql":
            column = column.collate("C")
        ordered = column.desc() if key.descending else column.asc()
        if nullable:
            ordered = ordered.nulls_last() if key.descending else ordered.nulls_first()
        keys.append(ordered)
    return stmt.order_by(*keys)


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
