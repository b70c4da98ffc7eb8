"""The conformance suite's check functions on crafted responses: each accepts a conforming
response and rejects a crafted departure, so a deployment with that departure fails the rule."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from schedulingkit.conformance.checks import (
    error_body_problems,
    filter_keeps,
    hardening_problems,
    json_content_type_problems,
    link_problems,
    order_problems,
    pagination_problems,
    rate_limit_header_problems,
    too_many_requests_problems,
    unauthenticated_problems,
    utc_timestamp_problems,
    validation_problems,
)
from schedulingkit.conformance.client import Exchange, on_base_url
from schedulingkit.conformance.contract import Filter, SortKey, load_contract

JSON = {"content-type": "application/json"}


def exchange(
    status: int,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    role: str = "main",
) -> Exchange:
    content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    return Exchange(
        "GET",
        "http://api.test/api/v1/clients",
        role,
        {},
        None,
        status,
        httpx.Headers({**JSON, **(headers or {})}),
        content,
        "GET /clients",
    )


# --- error bodies ----------------------------------------------------------------------------


def test_error_body_accepts_message_and_errors():
    good = exchange(422, {"message": "The given data was invalid.", "errors": {"name": ["x"]}})
    assert error_body_problems(good) == []


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (
            exchange(404, raw=b"<html>Not Found</html>", headers={"content-type": "text/html"}),
            "not application/json",
        ),
        (exchange(400, {"error": "bad"}), "no string `message`"),
        (exchange(422, {"message": "x", "errors": {"name": "required"}}), "string lists"),
        (exchange(422, {"message": "x", "errors": [["name"]]}), "string lists"),
        (
            exchange(500, {"message": 'Traceback (most recent call last):\n  File "app.py"'}),
            "stack trace",
        ),
        (exchange(400, raw=b"{not json"), "not valid JSON"),
    ],
)
def test_error_body_rejects_departures(bad: Exchange, expected: str):
    assert any(expected in p for p in error_body_problems(bad))


def test_validation_problems_names_every_missing_field():
    answer = exchange(422, {"message": "invalid", "errors": {"name": ["required"]}})
    assert validation_problems(answer, 422, ["name"]) == []
    problems = validation_problems(answer, 422, ["name", "slug"])
    assert problems and "slug" in problems[0]
    assert "expected 422" in validation_problems(exchange(200, {"data": {}}), 422, ["name"])[0]


def test_json_content_type_rejects_html_and_204_with_body():
    assert json_content_type_problems(exchange(200, {"data": []})) == []
    assert json_content_type_problems(
        exchange(200, raw=b"<p>hi</p>", headers={"content-type": "text/html; charset=utf-8"})
    )
    assert json_content_type_problems(exchange(204, raw=b"{}"))
    assert json_content_type_problems(exchange(204, raw=b"")) == []


# --- authentication --------------------------------------------------------------------------


def test_unauthenticated_accepts_the_contract_answer():
    good = exchange(401, {"message": "Unauthenticated."}, {"www-authenticate": "Bearer"})
    assert unauthenticated_problems(good) == []


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (exchange(200, {"data": {}}), "expected 401"),
        (exchange(403, {"message": "Forbidden"}, {"www-authenticate": "Bearer"}), "expected 401"),
        (exchange(401, {"message": "Unauthenticated."}), "WWW-Authenticate"),
        (
            exchange(401, {"message": "Unauthorized"}, {"www-authenticate": "Bearer"}),
            "Unauthenticated.",
        ),
        (
            exchange(401, {"message": "Unauthenticated."}, {"www-authenticate": "Basic"}),
            "WWW-Authenticate",
        ),
    ],
)
def test_unauthenticated_rejects_departures(bad: Exchange, expected: str):
    assert any(expected in p for p in unauthenticated_problems(bad))


# --- rate limits -----------------------------------------------------------------------------


def test_rate_limit_headers():
    good = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "59"}
    assert rate_limit_header_problems(exchange(200, {}, good)) == []
    assert rate_limit_header_problems(exchange(200, {}))  # missing
    assert rate_limit_header_problems(
        exchange(200, {}, {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "61"})
    )
    assert rate_limit_header_problems(
        exchange(200, {}, {"x-ratelimit-limit": "lots", "x-ratelimit-remaining": "1"})
    )


def test_too_many_requests():
    now = 1_800_000_000.0
    good = {
        "retry-after": "42",
        "x-ratelimit-reset": str(int(now) + 42),
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": "0",
    }
    body = {"message": "Too Many Attempts."}
    assert too_many_requests_problems(exchange(429, body, good), now) == []
    assert too_many_requests_problems(exchange(200, body, good), now)
    without_retry = {k: v for k, v in good.items() if k != "retry-after"}
    assert any(
        "Retry-After" in p
        for p in too_many_requests_problems(exchange(429, body, without_retry), now)
    )
    in_the_past = {**good, "x-ratelimit-reset": str(int(now) - 3600)}
    assert any(
        "X-RateLimit-Reset" in p
        for p in too_many_requests_problems(exchange(429, body, in_the_past), now)
    )
    disagree = {**good, "retry-after": "600"}
    assert any(
        "disagree" in p for p in too_many_requests_problems(exchange(429, body, disagree), now)
    )
    assert too_many_requests_problems(
        exchange(429, body, {**good, "x-ratelimit-remaining": "3"}), now
    )
    assert time.time() > 0  # the check uses the clock only when not given one


# --- timestamps ------------------------------------------------------------------------------


def test_utc_timestamps():
    fields = {"created_at", "starts_at"}
    good = {
        "data": [
            {"created_at": "2026-03-02T09:15:00Z", "local_starts_at": "2026-03-02T10:15:00+01:00"}
        ]
    }
    assert utc_timestamp_problems(good, fields) == []
    for bad_value in (
        "2026-03-02T10:15:00+01:00",
        "2026-03-02 09:15:00",
        "348-03-03T22:26:23Z",
        "2026-03-02T09:15:00",
    ):
        problems = utc_timestamp_problems({"data": {"starts_at": bad_value}}, fields)
        assert problems and "data.starts_at" in problems[0]


# --- pagination ------------------------------------------------------------------------------


def page(items: int, page_no: int, size: int, count: int, **meta_changes: Any) -> dict:
    last = max(1, -(-count // size))
    base = "https://api.test/api/v1/clients"
    first_index = (page_no - 1) * size + 1
    meta = {
        "current_page": page_no,
        "from": first_index if items else None,
        "last_page": last,
        "per_page": size,
        "to": first_index + items - 1 if items else None,
        "total": count,
        "path": base,
    }
    meta.update(meta_changes)
    return {
        "data": [{"id": i} for i in range(items)],
        "links": {
            "first": f"{base}?page=1",
            "last": f"{base}?page={last}",
            "prev": f"{base}?page={page_no - 1}" if page_no > 1 else None,
            "next": f"{base}?page={page_no + 1}" if page_no < last else None,
        },
        "meta": meta,
    }


def test_pagination_accepts_consistent_pages():
    assert pagination_problems(page(15, 1, 15, 42), 1, 15, "/clients") == []
    assert pagination_problems(page(12, 3, 15, 42), 3, 15, "/clients") == []
    assert pagination_problems(page(0, 1, 15, 0), 1, 15, "/clients") == []
    assert pagination_problems(page(0, 5, 15, 42), 5, 15, "/clients") == []  # past the last


@pytest.mark.parametrize(
    ("body", "page_no", "expected"),
    [
        (page(15, 1, 15, 42, last_page=2), 1, "meta.last_page"),
        (page(15, 1, 15, 42, total=43, last_page=3), 1, None),  # consistent: still fine
        (page(15, 2, 15, 42, **{"from": 15}), 2, "meta.from"),
        (page(14, 1, 15, 42), 1, "items on page 1"),
        (page(15, 1, 15, 42, current_page=2), 1, "meta.current_page"),
        (page(0, 1, 15, 0, last_page=0), 1, "meta.last_page"),
        (page(15, 1, 15, 42, path="https://api.test/api/v1/clients?page=1"), 1, "meta.path"),
        ({"data": []}, 1, "links"),
        ({"items": []}, 1, "not {data"),
    ],
)
def test_pagination_rejects_departures(body: dict, page_no: int, expected: str | None):
    problems = pagination_problems(body, page_no, 15, "/clients")
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_pagination_links():
    body = page(15, 2, 15, 42)
    body["links"]["prev"] = None
    assert any("links.prev" in p for p in pagination_problems(body, 2, 15, "/clients"))
    body = page(12, 3, 15, 42)
    body["links"]["next"] = "https://api.test/api/v1/clients?page=4"
    assert any("links.next" in p for p in pagination_problems(body, 3, 15, "/clients"))
    body = page(15, 1, 15, 42)
    problems = pagination_problems(body, 1, 15, "/clients", {"search": "ada"})
    assert any("drops the filter" in p for p in problems)


# --- ordering and filters --------------------------------------------------------------------


def test_order_problems_follow_x_ordering():
    ordering = (SortKey("name", False), SortKey("id", False))
    good = [
        {"name": "Ada", "id": 2},
        {"name": "Ada", "id": 5},
        {"name": "Zed", "id": 1},
        {"name": "ada", "id": 3},
        {"name": "Élise", "id": 4},
    ]
    assert order_problems(good, ordering, {}) == []
    assert order_problems([good[1], good[0]], ordering, {})  # tie broken the wrong way
    assert order_problems([good[3], good[2]], ordering, {})  # "a" before "Z": not code points
    desc = (SortKey("issue_date", True), SortKey("id", True))
    dates = [{"issue_date": "2026-03-02", "id": 1}, {"issue_date": "2026-03-01", "id": 9}]
    assert order_problems(dates, desc, {"issue_date": "date"}) == []
    assert order_problems(list(reversed(dates)), desc, {"issue_date": "date"})
    times = (SortKey("starts_at", False),)
    offset = [{"starts_at": "2026-03-02T09:00:00+01:00"}, {"starts_at": "2026-03-02T08:30:00Z"}]
    assert order_problems(offset, times, {"starts_at": "date-time"}) == []  # 08:00Z < 08:30Z


def test_filter_semantics_from_the_document():
    events = load_contract().operation("listEvents")
    search, status, since, until = (events.filter(n) for n in ("search", "status", "from", "to"))
    item = {
        "title": "Initial assessment",
        "notes": None,
        "status": "confirmed",
        "starts_at": "2026-03-16T08:00:00Z",
    }
    assert filter_keeps(item, search, "ASSESS")
    assert not filter_keeps(item, search, "knee")  # notes is null: no match
    assert filter_keeps(item, status, "confirmed") and not filter_keeps(item, status, "pending")
    assert filter_keeps(item, since, "2026-03-16T08:00:00Z")  # inclusive
    assert not filter_keeps(item, until, "2026-03-16T08:00:00Z")  # exclusive
    assert filter_keeps(item, since, "2026-03-16") and filter_keeps(item, until, "2026-03-17")
    assert filter_keeps(item, since, "2026-03-16T09:00:00+01:00")  # the same instant
    clients = load_contract().operation("listClients")
    assert filter_keeps({"tags": ["vip", "sports"]}, clients.filter("tag"), "vip")
    assert not filter_keeps({"tags": ["vipx"]}, clients.filter("tag"), "vip")
    taxes = load_contract().operation("listTaxes")
    assert filter_keeps({"inclusive": False}, taxes.filter("inclusive"), "false")
    assert not filter_keeps({"inclusive": 0}, taxes.filter("inclusive"), "false")
    invoices = load_contract().operation("listInvoices")
    dated = {"issue_date": "2026-03-16"}
    assert filter_keeps(dated, invoices.filter("from"), "2026-03-16T23:30:00Z")
    assert not filter_keeps(dated, invoices.filter("to"), "2026-03-16")


def test_unknown_filter_op_is_a_programming_error():
    with pytest.raises(ValueError):
        filter_keeps({}, Filter("x", "near", ("x",), {}, "#"), "1")


# --- production shape: hardening headers, links ---------------------------------------------

HARDENED = {"x-content-type-options": "nosniff", "cache-control": "no-store"}


def test_hardening_accepts_nosniff_and_no_store():
    assert hardening_problems(exchange(200, {"data": {}}, HARDENED), of_operation=True) == []
    assert hardening_problems(exchange(401, {"message": "x"}, HARDENED), of_operation=True) == []
    several = {**HARDENED, "cache-control": "private, No-Store"}
    assert hardening_problems(exchange(200, {}, several), of_operation=True) == []
    # a response outside the operations (an unknown route, /up) needs only nosniff
    nosniff_only = {"x-content-type-options": "nosniff"}
    assert hardening_problems(exchange(404, {}, nosniff_only), of_operation=False) == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"cache-control": "no-store"}, "X-Content-Type-Options is None"),
        ({**HARDENED, "cache-control": "no-cache, private"}, "without no-store"),
        ({"x-content-type-options": "nosniff"}, "Cache-Control is None"),
        ({**HARDENED, "server": "uvicorn"}, "server header 'uvicorn' names"),
        ({**HARDENED, "x-powered-by": "PHP/8.3.4"}, "x-powered-by header"),
    ],
)
def test_hardening_rejects_departures(headers: dict[str, str], expected: str):
    problems = hardening_problems(exchange(200, {"data": {}}, headers), of_operation=True)
    assert any(expected in p for p in problems), problems


BASE = "https://api.test/api/v1"


@pytest.mark.parametrize(
    ("url", "on_base"),
    [
        ("https://api.test/api/v1/clients?page=2", True),
        ("https://api.test:443/api/v1/clients", True),  # the scheme's default port
        ("http://api.test/api/v1/clients", False),  # another scheme
        ("https://evil.example/api/v1/clients", False),
        ("https://api.test:8443/api/v1/clients", False),
        ("https://api.test/other/clients", False),  # outside the base path
        ("/api/v1/clients", False),  # relative
        ("http://[::1/x", False),  # not a URL
    ],
)
def test_on_base_url(url: str, on_base: bool):
    assert on_base_url(BASE, url) is on_base


def test_link_problems_judge_links_meta_path_and_the_location_of_a_201():
    page = {
        "data": [],
        "links": {"first": f"{BASE}/clients?page=1", "prev": None, "next": None, "last": None},
        "meta": {"path": f"{BASE}/clients"},
    }
    assert link_problems(BASE, exchange(200, page)) == []
    from_host = {**page, "meta": {"path": "http://evil.example/api/v1/clients"}}
    assert link_problems(BASE, exchange(200, from_host)) == [
        "meta.path is 'http://evil.example/api/v1/clients', not an absolute URL under "
        "https://api.test/api/v1"
    ]
    created = exchange(201, {"data": {"id": 7}}, {"location": "http://evil.example/x/7"})
    assert "Location" in link_problems(BASE, created)[0]
    assert link_problems(BASE, exchange(201, {"data": {"id": 7}})) == []  # RES-001's to judge
