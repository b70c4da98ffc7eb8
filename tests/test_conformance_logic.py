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
from schedulingkit.conformance.rules.errors import nested_required
from schedulingkit.conformance.rules.filters import candidate_values
from schedulingkit.conformance.rules.generated import ordered_bounds
from schedulingkit.conformance.rules.ratelimit import countdown_ok
from schedulingkit.conformance.rules.resources import (
    echo_problems,
    expected_occurrences,
    invoice_problems,
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
