"""The demo bookings (`seed_bookings`) on top of the platform's demo team, read through HTTP."""

from __future__ import annotations

from collections import Counter

from bookings_helpers import all_pages
from schedulingkit.impl.seed import seed_team
from schedulingkit.impl.seed_bookings import seed_bookings


def test_seed_bookings_covers_every_status_with_its_transactions(app, api):
    with app.database.unit_of_work(api.team_id) as session:
        made = seed_bookings(session, seed_team(session))
    assert made.counts() == {"events": 7, "invoices": 7}

    listed_events = all_pages(api, "/events")
    assert sorted(e["id"] for e in listed_events) == sorted(made.events)
    assert Counter(e["status"] for e in listed_events) == {
        "confirmed": 3,
        "pending": 1,
        "completed": 1,
        "no_show": 1,
        "cancelled": 1,
    }
    weekly = next(e for e in listed_events if e["recurrence"] and e["recurrence"]["count"])
    occurrences = all_pages(api, f"/events/{weekly['id']}/occurrences")
    assert len(occurrences) == 11  # 12 counted, one excluded date
    assert {o["local_starts_at"][11:16] for o in occurrences} == {"09:00"}
    open_ended = next(e for e in listed_events if e["recurrence"] and not e["recurrence"]["count"])
    assert len(all_pages(api, f"/events/{open_ended['id']}/occurrences")) == 27  # 366 days

    listed_invoices = all_pages(api, "/invoices")
    assert {i["status"] for i in listed_invoices} == {
        "draft",
        "sent",
        "partially_paid",
        "paid",
        "overdue",
        "cancelled",
        "refunded",
    }
    assert all(i["items"][0]["taxes"] or i["tax_total"] == 0 for i in listed_invoices)
    transactions = all_pages(api, "/transactions")
    assert sorted((t["type"], t["provider"]) for t in transactions) == [
        ("payment", "bank_transfer"),
        ("payment", "card"),
        ("payment", "stripe"),
        ("refund", "bank_transfer"),
    ]
    by_status = {i["status"]: i for i in listed_invoices}
    assert by_status["paid"]["amount_due"] == 0
    assert by_status["partially_paid"]["amount_paid"] == 10000
    assert by_status["refunded"]["amount_paid"] == 0
