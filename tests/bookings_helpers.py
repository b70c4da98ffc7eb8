"""Helpers shared by the events, invoices and transactions server tests."""

from __future__ import annotations

from datetime import UTC, date, datetime


def instant(text: str) -> datetime:
    """An RFC 3339 date-time (as answered, `Z` suffix) as an aware datetime."""
    return datetime.fromisoformat(text)


def bound(text: str, field_format: str) -> date | datetime:
    """A `from`/`to` value read as openapi/README.md says for a field of that format."""
    if "T" in text:
        moment = datetime.fromisoformat(text).astimezone(UTC)
        return moment.date() if field_format == "date" else moment
    day = date.fromisoformat(text)
    return day if field_format == "date" else datetime(day.year, day.month, day.day, tzinfo=UTC)


def field_value(item: dict, field: str, field_format: str) -> date | datetime:
    raw = item[field]
    return date.fromisoformat(raw) if field_format == "date" else instant(raw)


def keeps(item: dict, spec_filter, value: str) -> bool:
    """The openapi/README.md meaning of an `x-filter`, evaluated on an answered item."""
    if spec_filter.op == "search":
        return any(
            item[name] is not None and value.lower() in str(item[name]).lower()
            for name in spec_filter.fields
        )
    field = spec_filter.fields[0]
    if spec_filter.op == "eq":
        expected = int(value) if spec_filter.schema.get("type") == "integer" else value
        return item[field] == expected
    field_format = "date" if len(item[field]) == 10 else "date-time"
    if spec_filter.op == "gte":
        return field_value(item, field, field_format) >= bound(value, field_format)
    if spec_filter.op == "lt":
        return field_value(item, field, field_format) < bound(value, field_format)
    raise AssertionError(f"no oracle for {spec_filter.op}")


def sort_key(ordering):
    """A key that sorts answered items by an `x-ordering` (for `sorted(..., key=...)`)."""

    def key(item: dict):
        parts = []
        for by in ordering:
            value = item[by.field]
            if isinstance(value, str) and value[:4].isdigit():
                value = instant(value).timestamp() if "T" in value else date.fromisoformat(value)
            if by.descending:
                value = -value if isinstance(value, int | float) else -value.toordinal()
            parts.append(value)
        return tuple(parts)

    return key


def all_pages(api, path: str, params: dict | None = None, per_page: int = 100) -> list[dict]:
    """Every item of a list, following `links.next`."""
    params = {**(params or {}), "per_page": per_page, "page": 1}
    items: list[dict] = []
    while True:
        response = api.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        if body["links"]["next"] is None:
            assert len(items) == body["meta"]["total"]
            return items
        params["page"] += 1


def filter_values(items: list[dict], spec_filter, *, search: list[str], bounds: list[str]):
    """Values to try for one `x-filter`: the given search terms or date bounds; otherwise every
    value the items hold (and every enum value), plus one that names nothing."""
    if spec_filter.op == "search":
        return search
    if spec_filter.op in ("gte", "lt"):
        return bounds
    field = spec_filter.fields[0]
    values = {str(item[field]) for item in items if item[field] is not None}
    if "enum" in spec_filter.schema:
        return sorted(values | set(spec_filter.schema["enum"]))
    return sorted(values | {"999999"})


def assert_filter_keeps_exactly(
    api, path: str, items: list[dict], ordering, spec_filter, values
) -> None:
    """For each value, the filtered list walks to exactly the items the filter's declared
    meaning keeps (soundness and completeness), in the documented order."""
    ordered = sorted(items, key=sort_key(ordering))
    for value in values:
        got = [item["id"] for item in all_pages(api, path, {spec_filter.name: value})]
        expected = [item["id"] for item in ordered if keeps(item, spec_filter, value)]
        assert got == expected, (spec_filter.name, value)
