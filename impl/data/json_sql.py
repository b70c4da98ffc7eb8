"""Children as JSON in their parent's row: one statement reads a client with its tags, or an
invoice with its lines and their taxes, instead of one more round trip per child table.

`json_array(...)` is a correlated subquery that aggregates the child rows, in order, into a
JSON array (`[]` when there are none); `json_object(...)` builds one JSON object per child.
Both compile to each backend's own JSON functions: `json_agg(... ORDER BY ...)` and
`json_build_object` on PostgreSQL, `json_group_array` over an ordered subquery and
`json_object` on SQLite (whose 3.40 has no ORDER BY inside aggregates). Read the column with
the `JSON` type and the driver's text or value becomes Python lists and dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, FromClause, and_, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from .db import team_condition


class JsonObject(ColumnElement[Any]):
    """A JSON object of named SQL values."""

    type = JSON()
    inherit_cache = True
    _traverse_internals = [
        ("keys", InternalTraversal.dp_string_list),
        ("values", InternalTraversal.dp_clauseelement_tuple),
    ]

    def __init__(self, pairs: dict[str, ColumnElement[Any]]) -> None:
        self.keys = list(pairs)
        self.values = tuple(pairs.values())


class JsonArray(ColumnElement[Any]):
    """The JSON array of `value` over the rows of `source` matching `where`, in `order_by`."""

    type = JSON()
    inherit_cache = True
    _traverse_internals = [
        ("value", InternalTraversal.dp_clauseelement),
        ("source", InternalTraversal.dp_clauseelement),
        ("where", InternalTraversal.dp_clauseelement),
        ("order_by", InternalTraversal.dp_clauseelement_tuple),
    ]

    def __init__(
        self,
        value: ColumnElement[Any],
        source: FromClause,
        where: ColumnElement[bool],
        order_by: Sequence[ColumnElement[Any]],
    ) -> None:
        self.value = value
        self.source = source
        self.where = where
        self.order_by = tuple(order_by)

    def get_children(self, **_kw: Any) -> list[Any]:
        """None: the subquery is whole in itself. The ORM would otherwise take the child
        entity it finds inside for the column's own and add its table to the outer FROM;
        the cache key still covers every part (`_traverse_internals`)."""
        return []


def json_object(**pairs: ColumnElement[Any]) -> JsonObject:
    return JsonObject(pairs)


def json_array(
    value: ColumnElement[Any],
    *,
    source: FromClause,
    where: ColumnElement[bool],
    order_by: Sequence[ColumnElement[Any]],
) -> JsonArray:
    """The subquery is built when the statement compiles, out of reach of the team
    criterion: a team-scoped `source` gets the team condition here."""
    condition = team_condition(source)
    if condition is not None:
        where = and_(where, condition)
    return JsonArray(value, getattr(source, "__table__", source), where, order_by)


def _key(name: str) -> Any:
    if not name.isidentifier():
        raise ValueError(f"JSON key {name!r} must be an identifier")
    return literal_column(f"'{name}'")


@compiles(JsonObject, "postgresql")
def _object_postgresql(element: JsonObject, compiler: Any, **kw: Any) -> str:
    arguments = [part for key, value in _pairs(element) for part in (_key(key), value)]
    return compiler.process(func.json_build_object(*arguments), **kw)


@compiles(JsonObject, "sqlite")
def _object_sqlite(element: JsonObject, compiler: Any, **kw: Any) -> str:
    # a nested array comes out of a subquery as text: json() makes it JSON again
    arguments = [
        part
        for key, value in _pairs(element)
        for part in (_key(key), func.json(value) if isinstance(value, JsonArray) else value)
    ]
    return compiler.process(func.json_object(*arguments), **kw)


def _pairs(element: JsonObject) -> list[tuple[str, ColumnElement[Any]]]:
    return list(zip(element.keys, element.values, strict=True))


@compiles(JsonArray, "postgresql")
def _array_postgresql(element: JsonArray, compiler: Any, **kw: Any) -> str:
    aggregated = func.json_agg(element.value).aggregate_order_by(*element.order_by)
    query = (
        select(func.coalesce(aggregated, literal_column("'[]'::json")))
        .select_from(element.source)
        .where(element.where)
        .correlate_except(element.source)
    )
    return compiler.process(query.scalar_subquery(), **kw)


@compiles(JsonArray, "sqlite")
def _array_sqlite(element: JsonArray, compiler: Any, **kw: Any) -> str:
    rows = (
        select(element.value.label("value"))
        .select_from(element.source)
        .where(element.where)
        .order_by(*element.order_by)
        .correlate_except(element.source)
        .subquery()
    )
    # objects leave the subquery as text: json() makes each one an object again
    value = func.json(rows.c.value) if isinstance(element.value, JsonObject) else rows.c.value
    return compiler.process(select(func.json_group_array(value)).scalar_subquery(), **kw)
