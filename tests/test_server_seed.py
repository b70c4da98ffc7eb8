"""The demo data: realistic records across all nine resources, readable through the API."""

from __future__ import annotations

from schedulingkit.impl.services.seed import seed_team


def test_seed_fills_all_nine_resources(as_team, make_api):
    api = make_api(timezone="Europe/London", currency="GBP")
    counts = as_team(api.team_id, seed_team).counts()
    for path, name in [
        ("/event-types", "event_types"),
        ("/clients", "clients"),
        ("/locations", "locations"),
        ("/workflows", "workflows"),
        ("/taxes", "taxes"),
        ("/events", "events"),
        ("/invoices", "invoices"),
        ("/transactions", "transactions"),
    ]:
        total = api.get(path).json()["meta"]["total"]
        assert total == counts[name] >= 3, path
    invoices = api.get("/invoices?per_page=100").json()["data"]
    assert {"draft", "sent", "paid", "partially_paid", "refunded", "cancelled"} <= {
        invoice["status"] for invoice in invoices
    }
    transactions = api.get("/transactions").json()["data"]
    assert {"payment", "refund"} == {t["type"] for t in transactions}
    recurring = [e for e in api.get("/events?per_page=100").json()["data"] if e["recurrence"]]
    occurrences = api.get(f"/events/{recurring[0]['id']}/occurrences").json()
    assert occurrences["meta"]["total"] > 1


def test_seeding_twice_adds_a_second_set(as_team, make_api):
    api = make_api()
    for _ in range(2):
        as_team(api.team_id, seed_team)
    assert api.get("/clients").json()["meta"]["total"] == 24
