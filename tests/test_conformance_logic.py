"""The suite's own logic beyond the check functions: rule selection, curl commands without
tokens, what counts as "kept" after create, invoice arithmetic, recurrence expansion, filter
values, the rate-limit countdown and generated from/to pairs. Each is shown to reject a
crafted departure."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from schedulingkit.conformance.catalogue import catalogue, rule_ids, select
from schedulingkit.conformance.client import ApiClient, DeploymentUnreachable, Exchange
from schedulingkit.conformance.contract import load_contract
from schedulingkit.conformance.rules.cost import health_url
from schedulingkit.conformance.rules.errors import nested_required, over_max_items
from schedulingkit.conformance.rules.filters import candidate_values
from schedulingkit.conformance.rules.generated import ordered_bounds
from schedulingkit.conformance.rules.ratelimit import countdown_ok
from schedulingkit.conformance.rules.resources import (
    echo_problems,
    expected_occurrences,
    invoice_problems,
    location_problems,
    read_only_fields,
    same,
    update_field,
)
from schedulingkit.conformance.rules.tenancy import referenced_collection


def test_catalogue_ids_are_stable_unique_and_documented():
    ids = rule_ids()
    assert len(ids) == len(set(ids)) >= 50
    for rule in catalogue():
        assert rule.title and rule.verifies_requirements
        assert rule.severity in ("critical", "major", "minor")
        assert rule.needs <= {"write", "other_team", "limited"}


def test_select_by_globs():
    assert [r.id for r in select(["auth-00[12]"])] == ["AUTH-001", "AUTH-002"]
    assert {r.area for r in select(["PAGE-*", "RATE-*"])} == {"PAGE", "RATE"}
    assert select(["NOPE-*"]) == []
    assert len(select([])) == len(rule_ids())


def test_curl_never_contains_the_token():
    sent = {"Accept": "application/json", "Authorization": "Bearer 7|secret-token"}
    exchange = Exchange(
        "PUT",
        "http://api.test/api/v1/clients/5?x=it's",
        "main",
        sent,
        b'{"name": "O\'Brien"}',
        200,
        httpx.Headers(),
        b"",
    )
    command = exchange.curl()
    assert "secret-token" not in command and "$SK_TOKEN" in command
    assert "-X PUT" in command and "clients/5" in command and "Brien" in command
    crafted = Exchange(
        "GET",
        "http://api.test/api/v1/team",
        "crafted",
        {"Authorization": "Bearer not-a-token"},
        None,
        401,
        httpx.Headers(),
        b"",
    )
    assert "Bearer not-a-token" in crafted.curl()  # the bad token is the reproduction


def test_same_compares_by_meaning():
    assert same("2026-03-16T09:00:00+01:00", "2026-03-16T08:00:00Z")
    assert not same("2026-03-16T09:00:00+01:00", "2026-03-16T09:00:00Z")
    assert same("5.5", "5.50") and not same("5.5", "5.05")
    assert same({"city": "Paris"}, {"city": "Paris", "line1": None})
    assert not same([1, 2], [2, 1]) and not same(1, True)


def test_echo_problems_name_changed_fields():
    schema = load_contract().operation("createClient").item_schema
    sent = {"name": "Ada", "tags": ["vip"], "not_in_representation": 1}
    assert echo_problems(sent, {"name": "Ada", "tags": ["vip"]}, schema) == []
    problems = echo_problems(sent, {"name": "ada", "tags": ["vip"]}, schema)
    assert len(problems) == 1 and problems[0].startswith("name")
    assert echo_problems(sent, None, schema)


def test_fields_read_from_the_document():
    contract = load_contract()
    assert update_field(contract.operation("updateEvent")) == "title"
    assert update_field(contract.operation("updateInvoice")) == "notes"
    ro = read_only_fields(
        contract.operation("createInvoice"),
        {"id": 1, "number": "INV-1", "total": 5, "client_id": 3},
    )
    assert set(ro) == {"id", "number", "total"}
    assert nested_required(contract.operation("createInvoice").request_schema) == {
        "items": ["description", "quantity", "unit_amount"]
    }
    assert referenced_collection("event_type_id") == "/event-types"


def invoice(**changes):
    base = {
        "status": "sent",
        "discount": 100,
        "amount_paid": 1000,
        "items": [
            {
                "quantity": 2,
                "unit_amount": 6500,
                "amount": 13000,
                "taxes": [{"rate": "20.00", "inclusive": False, "amount": 2600}],
            },
            {
                "quantity": 1,
                "unit_amount": 12000,
                "amount": 12000,
                "taxes": [{"rate": "5.50", "inclusive": True, "amount": 626}],
            },
        ],
        "subtotal": 13000 + 12000 - 626,
        "tax_total": 2600 + 626,
        "total": 13000 + 12000 - 626 + 2600 + 626 - 100,
        "amount_due": 13000 + 12000 + 2600 - 100 - 1000,
    }
    base.update(changes)
    return base


def test_invoice_arithmetic():
    assert invoice_problems(invoice()) == []
    assert invoice_problems(invoice(total=1))
    assert invoice_problems(invoice(amount_due=0))
    assert invoice_problems(invoice(status="cancelled"))  # amount_due is 0 once cancelled
    closed = invoice(status="cancelled")
    closed["amount_due"] = 0
    assert invoice_problems(closed) == []
    wrong_tax = invoice()
    wrong_tax["items"][0]["taxes"][0]["amount"] = 2599
    assert any("tax" in p for p in invoice_problems(wrong_tax))


def test_recurrence_expansion_keeps_wall_clock_time_across_dst():
    event = {
        "starts_at": "2026-03-26T08:00:00Z",
        "timezone": "Europe/Paris",
        "recurrence": {"frequency": "daily", "count": 4, "exclude_dates": ["2026-03-27"]},
    }
    got = expected_occurrences(event)
    assert [g.astimezone(UTC).isoformat() for g in got] == [
        "2026-03-26T08:00:00+00:00",
        "2026-03-28T08:00:00+00:00",
        "2026-03-29T07:00:00+00:00",
    ]
    assert all(isinstance(g, datetime) for g in got)


def test_the_first_occurrence_is_the_start_even_the_second_of_two_local_times():
    """A series starting at the second 02:30 of a fall-back night (01:30Z, not 00:30Z): its
    first occurrence is that start; later ambiguous or shifted times follow RFC 5545."""
    event = {
        "starts_at": "2031-10-26T01:30:00Z",
        "timezone": "Europe/Paris",
        "recurrence": {"frequency": "monthly", "count": 3},
    }
    got = [g.astimezone(UTC).isoformat() for g in expected_occurrences(event)]
    assert got == [
        "2031-10-26T01:30:00+00:00",
        "2031-11-26T01:30:00+00:00",
        "2031-12-26T01:30:00+00:00",
    ]
    yearly = {**event, "recurrence": {"frequency": "yearly", "count": 2}}
    # a year later 02:30 of 26 October is no fall-back night: one instance, in summer time
    assert expected_occurrences(yearly)[1].isoformat() == "2032-10-26T00:30:00+00:00"


def test_candidate_filter_values_come_from_listed_items():
    events = load_contract().operation("listEvents")
    items = [
        {
            "title": "Weekly review",
            "notes": None,
            "status": "pending",
            "starts_at": "2031-03-03T09:00:00Z",
            "client_id": 4,
        }
    ]
    assert candidate_values(events.filter("search"), items, "sk-conf-1") == ["SK-CONF-1", "KLY RE"]
    status = candidate_values(events.filter("status"), items, None)
    assert status[0] == "pending" and len(status) == 2  # and one value nobody has
    assert candidate_values(events.filter("from"), items, None) == [
        "2031-03-03T09:00:00Z",
        "2031-03-03",
    ]
    assert candidate_values(events.filter("client_id"), items, None) == ["4"]


def test_countdown():
    assert countdown_ok([59, 58, 57, 56])
    assert countdown_ok([2, 1, 0, 59, 58])  # one new window
    assert not countdown_ok([59, 59, 59, 59])
    assert not countdown_ok([3, 10, 2, 10, 1])


def test_generated_bounds_are_put_in_order():
    query = {"from": "2026-05-01", "to": "2026-03-01T00:00:00Z"}
    ordered_bounds(query, [("from", "to")])
    assert query == {"from": "2026-03-01T00:00:00Z", "to": "2026-05-01"}
    kept = {"from": "2026-03-01", "to": "not-a-date"}
    ordered_bounds(kept, [("from", "to")])
    assert kept == {"from": "2026-03-01", "to": "not-a-date"}


def test_client_backs_off_on_429_and_reports_unreachable_deployments():
    answers = iter(
        [
            httpx.Response(
                429, headers={"Retry-After": "0"}, json={"message": "Too Many Attempts."}
            ),
            httpx.Response(200, json={"data": {"id": 1}}),
        ]
    )
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return next(answers)

    seen: list[int] = []
    client = ApiClient(
        "http://api.test/api/v1",
        "7|t",
        "main",
        httpx.Client(transport=httpx.MockTransport(handler)),
        [lambda e: seen.append(e.status)],
    )
    answer = client.get("/team")
    assert answer.status == 200 and seen == [429, 200]
    assert all(r.headers["accept"] == "application/json" for r in sent)
    assert sent[0].headers["authorization"] == "Bearer 7|t"

    refusing = ApiClient(
        "http://api.test/api/v1",
        "7|t",
        "main",
        httpx.Client(
            transport=httpx.MockTransport(
                lambda r: httpx.Response(429, headers={"Retry-After": "0"})
            )
        ),
    )
    assert refusing.get("/team", backoff=False).status == 429

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down = ApiClient(
        "http://api.test/api/v1",
        "7|t",
        "main",
        httpx.Client(transport=httpx.MockTransport(unreachable)),
    )
    with pytest.raises(DeploymentUnreachable):
        down.get("/team")


@pytest.mark.parametrize(
    ("base", "up"),
    [
        ("https://api.test/api/v1", "https://api.test/up"),
        ("https://api.test/api/v1/", "https://api.test/up"),
        ("http://127.0.0.1:8000/api/v1", "http://127.0.0.1:8000/up"),
        ("https://host.test/tenant/api/v1", "https://host.test/tenant/up"),
    ],
)
def test_the_health_route_is_beside_the_api(base: str, up: str):
    assert health_url(base) == up


def test_an_array_over_its_max_items_is_built_from_the_body_schema():
    clients = load_contract().operation("createClient").request_schema
    name, value = over_max_items(clients)
    assert name == "tags" and len(value) == 21 and len(set(value)) == 21  # distinct strings
    invoices = load_contract().operation("createInvoice").request_schema
    assert over_max_items(invoices) == ("items", [{}] * 101)
    assert over_max_items({"properties": {"name": {"type": "string"}}}) is None


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("https://api.test/api/v1/clients/7", None),
        (None, "no Location header"),
        ("/api/v1/clients/7", "not the absolute URL"),
        ("https://api.test/api/v1/clients/17", "not the absolute URL"),
        ("https://api.test/api/v1/clients", "not the absolute URL"),
    ],
)
def test_a_create_names_the_new_record_in_location(location: str | None, problem: str | None):
    headers = {"location": location} if location else {}
    created = Exchange(
        "POST", "https://api.test/api/v1/clients", "main", {}, b"{}", 201,
        httpx.Headers(headers), b'{"data": {"id": 7}}', "POST /clients",
    )  # fmt: skip
    problems = location_problems(created, "/clients/7")
    assert (problems == []) if problem is None else (problem in problems[0])
