"""Pure check functions: an exchange (or a decoded body) in, a list of problems out.

They hold the contract's rules in one place so rules stay short and every check can be unit
tested on crafted responses. An empty list means the response conforms.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from schedulingkit.conformance.client import Exchange, on_base_url
from schedulingkit.conformance.contract import Filter, SortKey

META_KEYS = ("current_page", "from", "last_page", "per_page", "to", "total", "path")
LINK_KEYS = ("first", "last", "prev", "next")


# --- bodies and headers ---------------------------------------------------------------------


def json_content_type_problems(exchange: Exchange) -> list[str]:
    """A response with a body is `application/json` and parses."""
    if exchange.status == 204 or (not exchange.content and exchange.method == "HEAD"):
        return [] if not exchange.content else ["204 response has a body"]
    content_type = exchange.headers.get("content-type", "")
    problems = []
    if content_type.split(";")[0].strip().lower() != "application/json":
        problems.append(f"Content-Type is {content_type or 'missing'!r}, not application/json")
    elif exchange.json() is None:
        problems.append("body is not valid JSON")
    return problems


def error_body_problems(exchange: Exchange) -> list[str]:
    """A 4xx/5xx body is JSON `{"message": string, "errors"?: {key: [string, ...]}}`."""
    problems = json_content_type_problems(exchange)
    if problems:
        return problems
    body = exchange.json()
    if not isinstance(body, dict):
        return [f"error body is not a JSON object: {exchange.describe()}"]
    if not isinstance(body.get("message"), str) or not body["message"]:
        problems.append("error body has no string `message`")
    if "errors" in body:
        errors = body["errors"]
        if not isinstance(errors, dict) or not all(
            isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values()
        ):
            problems.append("`errors` is not an object of string lists")
    if exchange.status >= 500:
        text = exchange.content.decode("utf-8", "replace")
        if "Traceback" in text or 'File "' in text or (" line " in text and ".py" in text):
            problems.append("server error body carries a stack trace")
    return problems


def error_keys(exchange: Exchange) -> set[str]:
    body = exchange.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    return set(errors) if isinstance(errors, dict) else set()


def validation_problems(exchange: Exchange, status: int, fields: list[str]) -> list[str]:
    """`status` with the error shape and `errors` naming every one of `fields`."""
    if exchange.status != status:
        return [f"expected {status}, got {exchange.describe()}"]
    problems = error_body_problems(exchange)
    missing = [f for f in fields if f not in error_keys(exchange)]
    if missing:
        problems.append(
            f"`errors` does not name {', '.join(missing)} (it names: "
            f"{', '.join(sorted(error_keys(exchange))) or 'nothing'})"
        )
    return problems


def unauthenticated_problems(exchange: Exchange) -> list[str]:
    """401 `{"message": "Unauthenticated."}` with `WWW-Authenticate: Bearer`."""
    if exchange.status != 401:
        return [f"expected 401, got {exchange.describe()}"]
    problems = error_body_problems(exchange)
    body = exchange.json()
    if isinstance(body, dict) and body.get("message") != "Unauthenticated.":
        problems.append(f"message is {body.get('message')!r}, not 'Unauthenticated.'")
    challenge = exchange.headers.get("www-authenticate", "")
    if not challenge.lower().startswith("bearer"):
        problems.append(f"WWW-Authenticate is {challenge or 'missing'!r}, not Bearer")
    return problems


def _int_header(exchange: Exchange, name: str) -> int | None:
    value = exchange.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def rate_limit_header_problems(exchange: Exchange) -> list[str]:
    """`X-RateLimit-Limit` (>= 1) and `X-RateLimit-Remaining` (0..limit) as integers."""
    limit = _int_header(exchange, "x-ratelimit-limit")
    remaining = _int_header(exchange, "x-ratelimit-remaining")
    problems = []
    if limit is None or limit < 1:
        problems.append(f"X-RateLimit-Limit is {exchange.headers.get('x-ratelimit-limit')!r}")
    if remaining is None or remaining < 0 or (limit is not None and remaining > limit):
        problems.append(
            f"X-RateLimit-Remaining is {exchange.headers.get('x-ratelimit-remaining')!r}"
        )
    return problems


def too_many_requests_problems(exchange: Exchange, now: float | None = None) -> list[str]:
    """429 `Too Many Attempts.` with `Retry-After` seconds and a `X-RateLimit-Reset` Unix time."""
    if exchange.status != 429:
        return [f"expected 429, got {exchange.describe()}"]
    now = time.time() if now is None else now
    problems = error_body_problems(exchange)
    retry_after = _int_header(exchange, "retry-after")
    reset = _int_header(exchange, "x-ratelimit-reset")
    if retry_after is None or retry_after < 0:
        problems.append(f"Retry-After is {exchange.headers.get('retry-after')!r}, not seconds")
    if reset is None or not now - 5 <= reset <= now + 86400 * 2:
        problems.append(
            f"X-RateLimit-Reset is {exchange.headers.get('x-ratelimit-reset')!r}, "
            "not the Unix time the window ends"
        )
    elif retry_after is not None and abs((now + retry_after) - reset) > 5:
        problems.append(f"Retry-After {retry_after}s and X-RateLimit-Reset {reset} disagree")
    if _int_header(exchange, "x-ratelimit-remaining") not in (0, None):
        problems.append("X-RateLimit-Remaining is not 0 on a 429")
    return problems


SOFTWARE_HEADERS = ("server", "x-powered-by")


def hardening_problems(exchange: Exchange, of_operation: bool) -> list[str]:
    """`X-Content-Type-Options: nosniff` on every response, `Cache-Control: no-store` on every
    response of an operation, and no header naming the server software."""
    problems = []
    nosniff = exchange.headers.get("x-content-type-options")
    if (nosniff or "").strip().lower() != "nosniff":
        problems.append(f"X-Content-Type-Options is {nosniff!r}, not nosniff")
    if of_operation:
        cache = exchange.headers.get("cache-control")
        directives = {part.strip().lower() for part in (cache or "").split(",")}
        if "no-store" not in directives:
            problems.append(f"Cache-Control is {cache!r}, without no-store")
    for name in SOFTWARE_HEADERS:
        if name in exchange.headers:
            problems.append(f"{name} header {exchange.headers[name]!r} names the server software")
    return problems


def link_urls(exchange: Exchange) -> list[tuple[str, Any]]:
    """The URLs a response gives: `links.*` (those not null), `meta.path`, and the `Location`
    of a 201."""
    found: list[tuple[str, Any]] = []
    body = exchange.json()
    if isinstance(body, dict):
        links, meta = body.get("links"), body.get("meta")
        if isinstance(links, dict):
            found += [(f"links.{k}", v) for k, v in links.items() if v is not None]
        if isinstance(meta, dict) and "path" in meta:
            found.append(("meta.path", meta["path"]))
    if exchange.status == 201 and "location" in exchange.headers:
        found.append(("Location", exchange.headers["location"]))
    return found


def link_problems(base_url: str, exchange: Exchange) -> list[str]:
    """Every URL the response gives is absolute and on the deployment's base URL (where the
    suite was told the deployment is: its public URL)."""
    return [
        f"{name} is {value!r}, not an absolute URL under {base_url}"
        for name, value in link_urls(exchange)
        if not isinstance(value, str) or not on_base_url(base_url, value)
    ]


# --- values ---------------------------------------------------------------------------------


def parse_instant(value: Any) -> datetime | None:
    """An RFC 3339 date-time (aware) or None."""
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def utc_timestamp_problems(body: Any, fields: set[str], where: str = "") -> list[str]:
    """Every `fields` value in the body is an RFC 3339 date-time in UTC written with `Z`."""
    problems: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            path = f"{where}.{key}" if where else key
            if key in fields and value is not None:
                instant = parse_instant(value)
                if instant is None or not value.endswith("Z") or instant.utcoffset():
                    problems.append(f"{path} is {value!r}, not an RFC 3339 UTC time with Z")
            else:
                problems += utc_timestamp_problems(value, fields, path)
    elif isinstance(body, list):
        for index, value in enumerate(body):
            problems += utc_timestamp_problems(value, fields, f"{where}.{index}")
    return problems


def read_field(item: Any, path: str) -> Any:
    """`address.city` of an item (None when absent)."""
    for part in path.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


def as_instant(value: Any) -> datetime | None:
    """A date (00:00 UTC) or date-time as an aware instant."""
    instant = parse_instant(value)
    if instant is not None:
        return instant
    day = parse_date(value)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _compare_bound(field_value: Any, bound: str) -> int | None:
    """-1/0/1 of a date or date-time field against a filter bound, per the x-filter rules."""
    if parse_date(field_value) is not None:  # a date field: a date-time bound is its UTC date
        left = parse_date(field_value)
        instant = parse_instant(bound)
        right = instant.astimezone(UTC).date() if instant else parse_date(bound)
    else:
        left, right = as_instant(field_value), as_instant(bound)
    if left is None or right is None:
        return None
    return (left > right) - (left < right)


def parse_filter_value(flt: Filter, raw: str) -> Any:
    """The query string value read with the parameter's schema type."""
    kind = flt.value_type
    if kind == "boolean":
        return raw.lower() == "true"
    if kind == "integer":
        return int(raw)
    return raw


def filter_keeps(item: dict[str, Any], flt: Filter, raw: str) -> bool:
    """Whether `item` satisfies filter `flt` with query value `raw` (x-filter semantics)."""
    if flt.op == "search":
        needle = raw.lower()
        for name in flt.fields:
            value = read_field(item, name)
            if isinstance(value, str) and (
                needle in value.lower() or raw.casefold() in value.casefold()
            ):
                return True
        return False
    value = read_field(item, flt.field)
    if flt.op == "eq":
        expected = parse_filter_value(flt, raw)
        return value == expected and type(value) is type(expected)
    if flt.op == "contains":
        return isinstance(value, list) and raw in value
    if flt.op in ("gte", "lt"):
        if value is None:
            return False
        order = _compare_bound(value, raw)
        if order is None:
            return False
        return order >= 0 if flt.op == "gte" else order < 0
    raise ValueError(f"unknown x-filter op {flt.op!r}")


def _sort_value(value: Any, fmt: str | None) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if fmt in ("date", "date-time") or parse_instant(value) is not None:
        instant = as_instant(value)
        if instant is not None:
            return (1, instant)
    return (1, value)


def compare_items(a: dict, b: dict, ordering: tuple[SortKey, ...], formats: dict[str, str]) -> int:
    """-1/0/1: where `a` belongs relative to `b` in the documented order."""
    for key in ordering:
        left = _sort_value(read_field(a, key.field), formats.get(key.field))
        right = _sort_value(read_field(b, key.field), formats.get(key.field))
        try:
            order = (left > right) - (left < right)
        except TypeError:
            order = (str(left) > str(right)) - (str(left) < str(right))
        if order:
            return -order if key.descending else order
    return 0


def order_problems(
    items: list[dict], ordering: tuple[SortKey, ...], formats: dict[str, str]
) -> list[str]:
    """Each adjacent pair of items is in the documented order (strictly: the last key is unique)."""
    problems = []
    for index in range(1, len(items)):
        if compare_items(items[index - 1], items[index], ordering, formats) >= 0:
            keys = ", ".join(f"{k.field} {'desc' if k.descending else 'asc'}" for k in ordering)
            shown = [
                {k.field: read_field(items[i], k.field) for k in ordering}
                for i in (index - 1, index)
            ]
            problems.append(f"items {index - 1} and {index} are not ordered by {keys}: {shown}")
    return problems


# --- pagination -----------------------------------------------------------------------------


def _page_of(url: Any) -> int | None:
    if not isinstance(url, str):
        return None
    values = parse_qs(urlparse(url).query).get("page")
    try:
        return int(values[0]) if values else 1
    except ValueError:
        return None


def envelope_problems(body: Any) -> list[str]:
    """`{data: [...], links: {...}, meta: {...}}` with every documented key."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return ["list body is not {data: [...], links, meta}"]
    problems = []
    meta, links = body.get("meta"), body.get("links")
    if not isinstance(meta, dict) or any(k not in meta for k in META_KEYS):
        problems.append(f"meta lacks one of {', '.join(META_KEYS)}")
    if not isinstance(links, dict) or any(k not in links for k in LINK_KEYS):
        problems.append(f"links lacks one of {', '.join(LINK_KEYS)}")
    return problems


def pagination_problems(
    body: Any, page: int, per_page: int, path: str, filters: dict[str, str] | None = None
) -> list[str]:
    """`meta` and `links` agree with each other, with `data` and with what was asked."""
    problems = envelope_problems(body)
    if problems:
        return problems
    data, meta, links = body["data"], body["meta"], body["links"]
    total = meta["total"]
    if not isinstance(total, int) or total < 0:
        return [f"meta.total is {total!r}"]
    last_page = max(1, math.ceil(total / per_page))
    expect_count = max(0, min(per_page, total - (page - 1) * per_page))
    expected = {
        "current_page": page,
        "per_page": per_page,
        "last_page": last_page,
        "from": (page - 1) * per_page + 1 if expect_count else None,
        "to": (page - 1) * per_page + expect_count if expect_count else None,
    }
    for key, value in expected.items():
        if meta.get(key) != value:
            problems.append(
                f"meta.{key} is {meta.get(key)!r}, expected {value!r} "
                f"(page {page}, per_page {per_page}, total {total})"
            )
    if len(data) != expect_count:
        problems.append(
            f"{len(data)} items on page {page}, expected {expect_count} "
            f"(per_page {per_page}, total {total})"
        )
    meta_path = meta.get("path")
    parsed = urlparse(meta_path) if isinstance(meta_path, str) else None
    if parsed is None or parsed.query or not parsed.path.endswith(path):
        problems.append(f"meta.path is {meta_path!r}, not the list's URL ending in {path}")
    expected_links = {
        "first": 1,
        "last": last_page,
        "prev": page - 1 if page > 1 else None,
        "next": page + 1 if page < last_page else None,
    }
    for key, want in expected_links.items():
        got = links.get(key)
        if want is None:
            if got is not None:
                problems.append(f"links.{key} is {got!r}, expected null on page {page}")
        elif _page_of(got) != want:
            problems.append(f"links.{key} is {got!r}, expected a URL of page {want}")
        elif filters:
            query = parse_qs(urlparse(got).query)
            lost = [k for k, v in filters.items() if query.get(k) != [v]]
            if lost:
                problems.append(f"links.{key} drops the filter(s) {', '.join(lost)}")
    return problems
