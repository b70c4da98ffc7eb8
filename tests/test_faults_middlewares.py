"""Each fault really changes what its docstring claims, shown on tiny stand-in apps.

If a fault silently did nothing, the mutation score would credit the conformance suite with
catches it never made; these tests make a no-op fault fail here first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time

import pytest
from starlette.testclient import TestClient

from tests.faults import (
    auth,
    errors,
    filtering,
    isolation,
    limits,
    pagination,
    production,
    ratelimit,
    resources,
    semantics,
    wire,
)
from tests.faults.catalogue import FAULTS
from tests.faults.fakes import TeamApi, canned_app, echo_app, json_of

V1 = "/api/v1"
FULL = {"Authorization": "Bearer full"}
LIMITED = {"Authorization": "Bearer limited"}


def echoed(app, method: str, url: str, **kwargs) -> dict:
    response = TestClient(app).request(method, url, **kwargs)
    assert response.status_code == 200, response.text
    return json_of(response)


def page(data: list, **meta) -> dict:
    defaults = {"current_page": 1, "per_page": 15, "total": len(data), "last_page": 1}
    return {"data": data, "links": {}, "meta": {**defaults, **meta}}


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_each_fault_documents_the_contract_rule_it_breaks_and_the_rule_that_catches_it(fault):
    doc = fault.middleware.__doc__ or ""
    assert "Breaks:" in doc
    caught_by = doc.split("Caught by:", 1)[-1]
    assert fault.rule in caught_by, f"{fault.middleware.__name__} does not name {fault.rule}"


# --- authentication and scopes -------------------------------------------------------------


def test_scope_not_enforced_swaps_the_limited_token_on_the_chosen_operation_only():
    app = auth.ScopeNotEnforced(echo_app(), "limited", "full", {"deleteClient"})
    swapped = echoed(app, "DELETE", f"{V1}/clients/7", headers=LIMITED)
    kept = echoed(app, "DELETE", f"{V1}/locations/7", headers=LIMITED)
    assert swapped["authorization"] == "Bearer full"
    assert kept["authorization"] == "Bearer limited"


def test_no_www_authenticate_strips_the_challenge_from_401():
    inner = canned_app(401, {"message": "Unauthenticated."}, {"WWW-Authenticate": "Bearer"})
    assert "www-authenticate" in TestClient(inner).get(f"{V1}/team").headers
    response = TestClient(auth.NoWwwAuthenticate(inner)).get(f"{V1}/team")
    assert response.status_code == 401
    assert "www-authenticate" not in response.headers


def test_validation_before_authentication_answers_422_to_an_anonymous_invalid_body():
    api = TeamApi()
    client = TestClient(auth.ValidationBeforeAuthentication(api.app, "full"))
    assert client.post(f"{V1}/clients", json={"nome": "x"}).status_code == 422
    assert client.post(f"{V1}/clients", json={"name": "x"}).status_code == 401


def test_any_scheme_accepted_rewrites_known_tokens_to_bearer():
    app = auth.AnySchemeAccepted(echo_app(), {"1|secret"})
    assert (
        echoed(app, "GET", f"{V1}/team", headers={"Authorization": "Token 1|secret"})[
            "authorization"
        ]
        == "Bearer 1|secret"
    )
    unknown = echoed(app, "GET", f"{V1}/team", headers={"Authorization": "Token 2|other"})
    assert unknown["authorization"] == "Token 2|other"


def test_secret_not_compared_accepts_any_secret_for_a_real_token_id():
    app = auth.SecretNotCompared(echo_app(), {"7|right"})
    guessed = echoed(app, "GET", f"{V1}/team", headers={"Authorization": "Bearer 7|wrong"})
    unknown = echoed(app, "GET", f"{V1}/team", headers={"Authorization": "Bearer 8|wrong"})
    assert guessed["authorization"] == "Bearer 7|right"
    assert unknown["authorization"] == "Bearer 8|wrong"


def test_unauthenticated_as_403_only_when_a_token_was_sent():
    inner = canned_app(401, {"message": "Unauthenticated."}, {"WWW-Authenticate": "Bearer"})
    client = TestClient(auth.UnauthenticatedAs403(inner))
    assert client.get(f"{V1}/team", headers={"Authorization": "Bearer x"}).status_code == 403
    assert client.get(f"{V1}/team").status_code == 401


def test_forbidden_operations_refuse_only_that_token_on_those_operations():
    app = auth.ForbiddenOperations(echo_app(), "limited", {"listClients"})
    client = TestClient(app)
    assert client.get(f"{V1}/clients", headers=LIMITED).status_code == 403
    assert client.get(f"{V1}/clients", headers=FULL).status_code == 200
    assert client.get(f"{V1}/clients/1", headers=LIMITED).status_code == 200


# --- tenancy -------------------------------------------------------------------------------


def test_other_team_row_by_id_answers_the_other_teams_row():
    api = TeamApi()
    assert TestClient(api.app).get(f"{V1}/clients/200", headers=FULL).status_code == 404
    client = TestClient(isolation.OtherTeamRowById(api.app, "full", "other"))
    response = client.get(f"{V1}/clients/200", headers=FULL)
    assert response.status_code == 200
    assert json_of(response)["data"]["id"] == 200
    assert client.get(f"{V1}/clients/999", headers=FULL).status_code == 404


def test_other_team_rows_in_lists_appends_them_and_counts_them():
    api = TeamApi(rows_per_team=2)
    client = TestClient(isolation.OtherTeamRowsInLists(api.app, "full", "other"))
    body = json_of(client.get(f"{V1}/clients", headers=FULL))
    assert [row["id"] for row in body["data"]] == [100, 101, 200, 201]
    assert body["meta"]["total"] == 4


# --- pagination ----------------------------------------------------------------------------


def test_default_per_page_is_injected_only_when_absent_and_only_on_lists():
    app = pagination.DefaultPerPage(echo_app())
    assert echoed(app, "GET", f"{V1}/clients")["query"] == [["per_page", "20"]]
    assert echoed(app, "GET", f"{V1}/clients?per_page=5")["query"] == [["per_page", "5"]]
    assert echoed(app, "GET", f"{V1}/clients/3")["query"] == []


def test_per_page_clamped_turns_out_of_range_values_into_100():
    app = pagination.PerPageClamped(echo_app())
    assert echoed(app, "GET", f"{V1}/clients?per_page=500")["query"] == [["per_page", "100"]]
    assert echoed(app, "GET", f"{V1}/clients?per_page=0")["query"] == [["per_page", "0"]]


def test_total_off_by_one_adds_one():
    inner = canned_app(200, page([{"id": 1}], total=1))
    body = json_of(TestClient(pagination.TotalOffByOne(inner)).get(f"{V1}/clients"))
    assert body["meta"]["total"] == 2


def test_last_page_floored_rounds_down():
    inner = canned_app(200, page([{"id": 1}], total=31, per_page=15, last_page=3))
    body = json_of(TestClient(pagination.LastPageFloored(inner)).get(f"{V1}/clients"))
    assert body["meta"]["last_page"] == 2


def test_offset_off_by_one_repeats_the_previous_pages_last_row():
    api = TeamApi(rows_per_team=5)
    client = TestClient(pagination.OffsetOffByOne(api.app))
    first = json_of(client.get(f"{V1}/clients?page=1&per_page=2", headers=FULL))["data"]
    second = json_of(client.get(f"{V1}/clients?page=2&per_page=2", headers=FULL))["data"]
    assert [r["id"] for r in first] == [100, 101]
    assert [r["id"] for r in second] == [101, 102]


def test_links_drop_query_keeps_only_page():
    links = {"first": "http://h/api/v1/clients?page=1&per_page=2&search=a", "prev": None}
    inner = canned_app(200, {**page([]), "links": links})
    body = json_of(TestClient(pagination.LinksDropQuery(inner)).get(f"{V1}/clients"))
    assert body["links"] == {"first": "http://h/api/v1/clients?page=1", "prev": None}


def test_past_last_page_not_found_turns_an_empty_late_page_into_404():
    inner = canned_app(200, page([], current_page=9, last_page=2, total=20))
    response = TestClient(pagination.PastLastPageNotFound(inner)).get(f"{V1}/clients?page=9")
    assert response.status_code == 404
    first = canned_app(200, page([], current_page=1, last_page=1, total=0))
    assert (
        TestClient(pagination.PastLastPageNotFound(first)).get(f"{V1}/clients").status_code == 200
    )


# --- filtering and ordering ----------------------------------------------------------------


def test_filter_ignored_strips_the_parameter_from_lists():
    app = filtering.FilterIgnored(echo_app(), "search")
    query = echoed(app, "GET", f"{V1}/clients?search=ada&page=2")["query"]
    assert query == [["page", "2"]]


def test_unknown_enum_ignored_drops_only_unknown_values():
    app = filtering.UnknownEnumIgnored(echo_app())
    assert echoed(app, "GET", f"{V1}/events?status=bogus")["query"] == []
    assert echoed(app, "GET", f"{V1}/events?status=confirmed")["query"] == [["status", "confirmed"]]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{V1}/events?to=2026-03-01T09:00:00Z", "2026-03-01T09:00:01+00:00"),
        (f"{V1}/events?to=2026-03-01", "2026-03-01T00:00:01Z"),
        (f"{V1}/invoices?to=2026-03-01", "2026-03-02"),
        (f"{V1}/invoices?to=nonsense", "nonsense"),
    ],
)
def test_upper_bound_inclusive_moves_to_one_step_later(url, expected):
    query = echoed(filtering.UpperBoundInclusive(echo_app()), "GET", url)["query"]
    assert query == [["to", expected]]


def test_search_case_sensitive_drops_rows_matching_only_without_case():
    rows = [{"id": 1, "name": "Ada Lovelace"}, {"id": 2, "name": "ada"}]
    inner = canned_app(200, page(rows))
    app = filtering.SearchCaseSensitive(inner)
    body = json_of(TestClient(app).get(f"{V1}/clients?search=ada"))
    assert [row["id"] for row in body["data"]] == [2]
    assert body["meta"]["total"] == 1


def test_search_prefix_only_drops_rows_matching_later_in_the_field():
    rows = [{"id": 1, "name": "Ada Lovelace"}, {"id": 2, "name": "Lady ADA"}]
    app = filtering.SearchPrefixOnly(canned_app(200, page(rows)))
    body = json_of(TestClient(app).get(f"{V1}/clients?search=ada"))
    assert [row["id"] for row in body["data"]] == [1]
    assert body["meta"]["total"] == 1


def test_boolean_false_as_true_rewrites_only_boolean_filters():
    app = filtering.BooleanFalseAsTrue(echo_app())
    query = echoed(app, "GET", f"{V1}/locations?is_active=false&search=false")["query"]
    assert query == [["is_active", "true"], ["search", "false"]]


def test_reversed_order_reverses_list_data():
    inner = canned_app(200, page([{"id": 1}, {"id": 2}]))
    body = json_of(TestClient(filtering.ReversedOrder(inner)).get(f"{V1}/clients"))
    assert [row["id"] for row in body["data"]] == [2, 1]


# --- errors --------------------------------------------------------------------------------

INVALID = {"message": "invalid", "errors": {"name": ["required"], "email": ["bad"]}}


def test_errors_dropped_removes_errors_from_422():
    inner = canned_app(422, INVALID)
    body = json_of(TestClient(errors.ErrorsDropped(inner)).post(f"{V1}/clients", json={}))
    assert body == {"message": "invalid"}


def test_first_error_only_keeps_one_field():
    inner = canned_app(422, INVALID)
    body = json_of(TestClient(errors.FirstErrorOnly(inner)).post(f"{V1}/clients", json={}))
    assert body["errors"] == {"name": ["required"]}


def test_problem_details_rewrites_errors_as_problem_json():
    inner = canned_app(404, {"message": "Not Found."})
    response = TestClient(errors.ProblemDetails(inner)).get(f"{V1}/clients/1")
    assert response.headers["content-type"] == "application/problem+json"
    assert json_of(response) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found.",
    }


def test_query_errors_as_422_changes_400_only():
    bad = TestClient(errors.QueryErrorsAs422(canned_app(400, {"message": "bad"})))
    assert bad.get(f"{V1}/clients?page=abc").status_code == 422
    fine = TestClient(errors.QueryErrorsAs422(canned_app(404, {"message": "no"})))
    assert fine.get(f"{V1}/clients/1").status_code == 404


def test_html_not_found_only_for_unknown_routes():
    inner = canned_app(404, {"message": "Not Found."})
    client = TestClient(errors.HtmlNotFound(inner))
    unknown = client.get(f"{V1}/nope")
    assert unknown.headers["content-type"].startswith("text/html")
    assert b"<html" in unknown.content
    assert client.get(f"{V1}/clients/1").headers["content-type"] == "application/json"


def test_no_allow_header_on_405():
    inner = canned_app(405, {"message": "no"}, {"Allow": "GET, POST"})
    response = TestClient(errors.NoAllowHeader(inner)).patch(f"{V1}/clients")
    assert response.status_code == 405
    assert "allow" not in response.headers


def test_malformed_json_server_error_answers_500_and_passes_json_through():
    client = TestClient(errors.MalformedJsonServerError(echo_app()))
    broken = client.post(f"{V1}/clients", content=b"{not json", headers=FULL)
    assert broken.status_code == 500
    assert json_of(broken) == {"message": "Server Error"}
    fine = client.post(f"{V1}/clients", json={"name": "x"}, headers=FULL)
    assert json.loads(json_of(fine)["body"]) == {"name": "x"}


def test_bracket_error_keys_rewrites_dotted_paths():
    inner = canned_app(422, {"message": "m", "errors": {"items.0.quantity": ["x"], "name": ["y"]}})
    body = json_of(TestClient(errors.BracketErrorKeys(inner)).post(f"{V1}/invoices", json={}))
    assert body["errors"] == {"items[0][quantity]": ["x"], "name": ["y"]}


def test_form_bodies_accepted_become_json():
    app = errors.FormBodiesAccepted(echo_app())
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    echo = echoed(app, "POST", f"{V1}/clients", content=b"name=Ada", headers=form)
    assert json.loads(echo["body"]) == {"name": "Ada"}


def test_missing_row_server_error_on_id_routes_only():
    client = TestClient(errors.MissingRowServerError(canned_app(404, {"message": "Not Found."})))
    assert client.get(f"{V1}/clients/1").status_code == 500
    assert client.get(f"{V1}/nope").status_code == 404


# --- rate limits ---------------------------------------------------------------------------


def test_no_retry_after_on_429():
    inner = canned_app(429, {"message": "Too Many Attempts."}, {"Retry-After": "5"})
    response = TestClient(ratelimit.NoRetryAfter(inner)).get(f"{V1}/team")
    assert response.status_code == 429
    assert "retry-after" not in response.headers


def test_no_rate_limit_remaining_on_any_response():
    headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}
    response = TestClient(ratelimit.NoRateLimitRemaining(canned_app(200, {}, headers))).get("/")
    assert response.headers["x-ratelimit-limit"] == "60"
    assert "x-ratelimit-remaining" not in response.headers


def test_limit_overstated_announces_the_bigger_limit_and_what_is_left_of_it():
    headers = {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0"}
    inner = canned_app(429, {"message": "Too Many Attempts."}, headers)
    response = TestClient(ratelimit.LimitOverstated(inner)).get(f"{V1}/team")
    assert response.headers["x-ratelimit-limit"] == "60"
    assert response.headers["x-ratelimit-remaining"] == "40"


def test_per_process_counters_multiply_the_limit():
    workers = [TeamApi(limit=2), TeamApi(limit=2), TeamApi(limit=2)]
    client = TestClient(ratelimit.PerProcessCounters([w.app for w in workers]))
    statuses = [client.get(f"{V1}/clients", headers=FULL).status_code for _ in range(7)]
    assert statuses == [200] * 6 + [429]


# --- wire format ---


def test_json_as_html_relabels_successful_json():
    ok = TestClient(wire.JsonAsHtml(canned_app(200, {"data": {}}))).get(f"{V1}/team")
    assert ok.headers["content-type"].startswith("text/html")
    error = TestClient(wire.JsonAsHtml(canned_app(404, {"message": "no"}))).get(f"{V1}/team")
    assert error.headers["content-type"] == "application/json"


def test_timestamps_with_offset_rewrites_z_everywhere_in_the_body():
    body = {
        "data": {"created_at": "2026-03-02T09:15:00Z", "items": [{"t": "2026-03-02T09:15:00Z"}]}
    }
    edited = json_of(TestClient(wire.TimestampsWithOffset(canned_app(200, body))).get("/"))
    assert edited["data"]["created_at"] == "2026-03-02T09:15:00+00:00"
    assert edited["data"]["items"][0]["t"] == "2026-03-02T09:15:00+00:00"


# --- resources -----------------------------------------------------------------------------


def test_required_field_dropped_from_single_and_list_bodies():
    single = canned_app(200, {"data": {"id": 1, "name": "Ada"}})
    listed = canned_app(200, page([{"id": 1, "name": "Ada"}]))
    for inner in (single, listed):
        body = json_of(TestClient(resources.RequiredFieldDropped(inner)).get(f"{V1}/clients"))
        assert "name" not in json.dumps(body["data"])
        assert "id" in json.dumps(body["data"])


def test_money_as_decimal_string_in_data_only():
    invoice = {"total": 1250, "items": [{"unit_amount": 600, "quantity": 2}]}
    inner = canned_app(200, {**page([invoice]), "meta": {"total": 1}})
    body = json_of(TestClient(resources.MoneyAsDecimalString(inner)).get(f"{V1}/invoices"))
    assert body["data"][0] == {"total": "12.50", "items": [{"unit_amount": "6.00", "quantity": 2}]}
    assert body["meta"]["total"] == 1
    only_price = resources.MoneyAsDecimalString(canned_app(200, {"data": invoice}), {"price"})
    assert json_of(TestClient(only_price).get(f"{V1}/invoices/1"))["data"] == invoice


def test_delete_swallowed_answers_204_but_deletes_nothing():
    api = TeamApi()
    client = TestClient(resources.DeleteSwallowed(api.app))
    assert client.delete(f"{V1}/clients/100", headers=FULL).status_code == 204
    assert client.get(f"{V1}/clients/100", headers=FULL).status_code == 200
    assert client.delete(f"{V1}/clients/200", headers=FULL).status_code == 404
    assert client.delete(f"{V1}/clients/100").status_code == 401


def test_cancel_deletes_event_answers_204_for_event_deletes_only():
    inner = canned_app(200, {"data": {"id": 1, "status": "cancelled"}})
    client = TestClient(resources.CancelDeletesEvent(inner))
    cancelled = client.delete(f"{V1}/events/1")
    assert (cancelled.status_code, cancelled.content) == (204, b"")
    assert client.delete(f"{V1}/clients/1").status_code == 200


def test_unknown_fields_accepted_strips_fields_the_schema_lacks():
    app = resources.UnknownFieldsAccepted(echo_app())
    body = echoed(app, "POST", f"{V1}/clients", json={"name": "Ada", "nmae": "typo"})["body"]
    assert json.loads(body) == {"name": "Ada"}


def test_update_replaces_nulls_the_nullable_fields_left_out():
    app = resources.UpdateReplaces(echo_app(), {"updateClient"})
    body = json.loads(echoed(app, "PUT", f"{V1}/clients/1", json={"name": "Ada"})["body"])
    assert body["name"] == "Ada"
    assert "notes" in body
    assert body["notes"] is None
    created = echoed(app, "POST", f"{V1}/clients", json={"name": "Ada"})["body"]
    assert json.loads(created) == {"name": "Ada"}
    other = echoed(app, "PUT", f"{V1}/locations/1", json={"name": "Annex"})["body"]
    assert json.loads(other) == {"name": "Annex"}


# --- the document index the faults route by ------------------------------------------------


def test_routes_match_documented_operations_only():
    from tests.faults.routes import document

    index = document()
    assert len(index.operations) == 39
    assert index.match("GET", f"{V1}/events/5/occurrences").operation_id == "listEventOccurrences"
    assert index.match("DELETE", f"{V1}/events/5").operation_id == "cancelEvent"
    assert index.match("PATCH", f"{V1}/events/5") is None
    assert index.match("GET", f"{V1}/events/5/nothing") is None
    assert index.is_known_path(f"{V1}/taxes/1")
    assert not index.is_known_path(f"{V1}/taxes/1/x")


def test_routes_read_filters_and_item_fields_from_the_document():
    from tests.faults.routes import document

    index = document()
    invoices = index.operation("listInvoices")
    assert invoices.filters()["to"] == {"op": "lt", "field": "issue_date"}
    assert index.item_properties(invoices)["issue_date"]["format"] == "date"
    assert "name" in (index.request_properties(index.operation("createClient")) or set())
    assert index.request_properties(index.operation("listClients")) is None


# --- meaning: the faults only a recomputing, link-following, reading-back suite sees ---------


def test_dst_ignored_keeps_the_first_offset_after_a_dst_change():
    occurrences = page(
        [
            {"starts_at": "2031-03-29T08:00:00Z", "timezone": "Europe/Paris"},
            {"starts_at": "2031-03-30T07:00:00Z", "timezone": "Europe/Paris"},
        ]
    )
    app = semantics.DstIgnored(canned_app(200, occurrences))
    body = json_of(TestClient(app).get(f"{V1}/events/4/occurrences"))
    assert [o["starts_at"] for o in body["data"]] == [
        "2031-03-29T08:00:00Z",
        "2031-03-30T08:00:00Z",
    ]
    untouched = json_of(TestClient(app).get(f"{V1}/events"))  # another operation
    assert untouched["data"][1]["starts_at"] == "2031-03-30T07:00:00Z"


def test_inclusive_tax_as_exclusive_adds_the_tax_on_top_and_keeps_totals_consistent():
    invoice = {
        "status": "sent",
        "discount": 0,
        "amount_paid": 0,
        "items": [{"amount": 12000, "taxes": [{"rate": "5.5", "inclusive": True, "amount": 626}]}],
        "subtotal": 11374,
        "tax_total": 626,
        "total": 12000,
        "amount_due": 12000,
    }
    app = semantics.InclusiveTaxAsExclusive(canned_app(200, {"data": invoice}))
    data = json_of(TestClient(app).get(f"{V1}/invoices/3"))["data"]
    assert data["items"][0]["taxes"] == [{"rate": "5.5", "inclusive": False, "amount": 660}]
    assert (data["subtotal"], data["tax_total"], data["total"], data["amount_due"]) == (
        12000,
        660,
        12660,
        12660,
    )


def test_stale_status_in_lists_shows_the_status_a_record_was_created_with():
    state = {"status": "confirmed"}

    async def events(request):
        from starlette.responses import JSONResponse

        record = {"id": 9, "status": state["status"]}
        if request.method == "POST":
            return JSONResponse({"data": record}, status_code=201)
        if request.url.path.endswith("/events"):
            return JSONResponse(page([record]))
        return JSONResponse({"data": record})

    from starlette.applications import Starlette
    from starlette.routing import Route

    inner = Starlette(
        routes=[
            Route(f"{V1}/events", events, methods=["GET", "POST"]),
            Route(f"{V1}/events/9", events),
        ]
    )
    client = TestClient(semantics.StaleStatusInLists(inner))
    client.post(f"{V1}/events", json={})
    state["status"] = "cancelled"
    assert json_of(client.get(f"{V1}/events/9"))["data"]["status"] == "cancelled"
    assert json_of(client.get(f"{V1}/events"))["data"][0]["status"] == "confirmed"


def test_refund_not_recorded_hides_refund_transactions_from_lists():
    rows = [{"id": 1, "type": "payment"}, {"id": 2, "type": "refund"}]
    app = semantics.RefundNotRecorded(canned_app(200, page(rows, total=2)))
    body = json_of(TestClient(app).get(f"{V1}/transactions"))
    assert [r["id"] for r in body["data"]] == [1] and body["meta"]["total"] == 1


def test_links_drop_per_page_keeps_filters_and_page_but_not_per_page():
    links = {"first": "http://x/api/v1/clients?search=a&per_page=2&page=1", "prev": None}
    app = semantics.LinksDropPerPage(canned_app(200, {**page([]), "links": links}))
    body = json_of(TestClient(app).get(f"{V1}/clients"))
    assert body["links"] == {"first": "http://x/api/v1/clients?search=a&page=1", "prev": None}


def test_no_location_drops_location_from_201_only():
    created = canned_app(201, {"data": {"id": 7}}, {"Location": "http://h/api/v1/clients/7"})
    response = TestClient(resources.NoLocation(created)).post(f"{V1}/clients", json={})
    assert response.status_code == 201 and "location" not in response.headers
    moved = canned_app(200, {"data": {}}, {"Location": "http://h/x"})
    assert "location" in TestClient(resources.NoLocation(moved)).get(f"{V1}/clients").headers


def test_first_occurrence_folded_moves_only_the_second_of_two_local_times():
    items = [
        {  # the second 02:30 of Paris's fall-back night: moved an hour earlier
            "starts_at": "2031-10-26T01:30:00Z",
            "ends_at": "2031-10-26T02:30:00Z",
            "local_starts_at": "2031-10-26T02:30:00+01:00",
            "timezone": "Europe/Paris",
        },
        {  # an ordinary day: kept
            "starts_at": "2031-11-26T01:30:00Z",
            "ends_at": "2031-11-26T02:30:00Z",
            "local_starts_at": "2031-11-26T02:30:00+01:00",
            "timezone": "Europe/Paris",
        },
    ]
    app = semantics.FirstOccurrenceFolded(canned_app(200, page(items)))
    body = json_of(TestClient(app).get(f"{V1}/events/3/occurrences"))
    first, second = body["data"]
    assert first["starts_at"] == "2031-10-26T00:30:00Z"
    assert first["ends_at"] == "2031-10-26T01:30:00Z"
    assert first["local_starts_at"] == "2031-10-26T02:30:00+02:00"
    assert second == items[1]
    # other lists are left alone
    events = TestClient(semantics.FirstOccurrenceFolded(canned_app(200, page(items))))
    assert json_of(events.get(f"{V1}/events"))["data"] == items


# --- production shape ----------------------------------------------------------------------


def test_cache_control_no_cache_replaces_no_store():
    inner = canned_app(200, {"data": {}}, {"Cache-Control": "no-store"})
    response = TestClient(production.CacheControlNoCache(inner)).get(f"{V1}/team")
    assert response.headers["cache-control"] == "no-cache, private"


def test_server_header_names_the_software():
    response = TestClient(production.ServerHeader(canned_app(200, {}))).get(f"{V1}/team")
    assert response.headers["server"] == "uvicorn"


def test_links_from_host_rebuilds_links_and_location_from_a_foreign_host_only():
    base = "http://testserver/api/v1"
    listed = {
        **page([]),
        "links": {"first": f"{base}/clients?page=1", "next": None},
        "meta": {"path": f"{base}/clients"},
    }
    app = production.LinksFromHost(canned_app(201, listed, {"Location": f"{base}/clients/7"}))
    client = TestClient(app)
    own = client.get(f"{V1}/clients")
    assert json_of(own)["links"]["first"] == f"{base}/clients?page=1"
    foreign = client.get(f"{V1}/clients", headers={"Host": "evil.example"})
    body = json_of(foreign)
    assert body["links"] == {"first": "http://evil.example/api/v1/clients?page=1", "next": None}
    assert body["meta"]["path"] == "http://evil.example/api/v1/clients"
    assert foreign.headers["location"] == "http://evil.example/api/v1/clients/7"


def test_trailing_slash_redirect_answers_307_without_the_slash():
    client = TestClient(production.TrailingSlashRedirect(echo_app()), follow_redirects=False)
    response = client.get(f"{V1}/clients/?page=2", headers={"Host": "evil.example"})
    assert response.status_code == 307
    assert response.headers["location"] == "http://evil.example/api/v1/clients?page=2"
    assert client.get(f"{V1}/clients").status_code == 200
    assert client.get(f"{V1}/").status_code == 200  # the API root keeps its slash


def test_no_health_route_answers_404_for_up_only():
    client = TestClient(production.NoHealthRoute(canned_app(200, {"status": "up"})))
    assert client.get("/up").status_code == 404
    assert client.get(f"{V1}/team").status_code == 200


# --- bounded cost --------------------------------------------------------------------------


def test_body_read_before_limit_hands_the_body_on_only_once_it_is_read_whole():
    seen: list[int] = []  # chunks of the body received from the client when the app starts
    received = 0

    async def receive():
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"{}", "more_body": received < 3}

    async def inner(scope, receive_, send):
        seen.append(received)
        await send({"type": "http.response.start", "status": 413, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message):
        pass

    scope = {"type": "http", "method": "POST", "path": f"{V1}/clients", "headers": []}
    asyncio.run(limits.BodyReadBeforeLimit(inner)(scope, receive, send))
    assert seen == [3]  # the whole body, before the app could refuse it
    received, seen[:] = 0, []
    asyncio.run(inner(scope, receive, send))
    assert seen == [0]  # without the fault, the app answers before reading anything


def test_json_depth_unbounded_hands_a_deep_body_to_validation_as_an_empty_object():
    app = limits.JsonDepthUnbounded(echo_app())
    deep = b"[" * 40 + b"]" * 40
    assert echoed(app, "POST", f"{V1}/clients", content=deep)["body"] == "{}"
    shallow = b"[" * 32 + b"]" * 32
    assert echoed(app, "POST", f"{V1}/clients", content=shallow)["body"] == shallow.decode()
    assert limits.nesting_depth([[{"a": [1]}]]) == 4 and limits.nesting_depth(3) == 0


def test_max_items_clamped_cuts_arrays_to_their_max_items():
    app = limits.MaxItemsClamped(echo_app())
    tags = [f"t{i}" for i in range(25)]
    body = json.loads(echoed(app, "POST", f"{V1}/clients", json={"tags": tags})["body"])
    assert body["tags"] == tags[:20]
    short = json.loads(echoed(app, "POST", f"{V1}/clients", json={"tags": tags[:3]})["body"])
    assert short["tags"] == tags[:3]


def test_series_cap_clamped_moves_until_back_to_the_730th_occurrence():
    app = limits.SeriesCapClamped(echo_app())
    event = {"starts_at": "2031-10-26T01:30:00Z", "event_type_id": 1}
    long = {**event, "recurrence": {"frequency": "daily", "until": "2033-12-31"}}
    body = json.loads(echoed(app, "POST", f"{V1}/events", json=long)["body"])
    assert body["recurrence"]["until"] == "2033-10-24"  # 26 Oct 2031 + 729 days
    short = {**event, "recurrence": {"frequency": "weekly", "until": "2033-12-31"}}
    body = json.loads(echoed(app, "POST", f"{V1}/events", json=short)["body"])
    assert body["recurrence"]["until"] == "2033-12-31"  # 114 occurrences: kept


def test_oversized_head_served_lives_in_the_protocol_h11_serves_what_the_reference_refuses():
    """The fault's middleware passes through; its protocol (`Fault.http`, h11) answers a head
    over 32 KiB that arrives in one piece, where the reference server's protocol says 431."""
    from schedulingkit.impl.web.serving import uvicorn_options

    from tests.faults.catalogue import fault_named

    fault = fault_named("oversized-head-served")
    assert fault.http == "h11" and fault.middleware is limits.OversizedHeadServed
    app = limits.OversizedHeadServed(canned_app(200, {"served": True}))
    head = b"GET /api/v1/team HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 33 * 1024
    reference = uvicorn_options()
    with _uvicorn(app, **{**reference, "http": fault.http}) as port:
        assert _status(port, head + b"\r\n\r\n") == 200
    with _uvicorn(app, **reference) as port:
        assert _status(port, head + b"\r\n\r\n") == 431


@contextlib.contextmanager
def _uvicorn(app, **options):
    import uvicorn

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def _status(port: int, request: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])
