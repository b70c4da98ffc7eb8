"""Demo events and invoices for one team, built on the records `seed.seed_team` created.

Everything goes through the same services the API uses (`services.events.create_event`,
`services.invoices.create_invoice` / `update_invoice`), so the demo data obeys every rule
and each paid or refunded invoice carries the transactions its status changes recorded.
Dates are relative to today in the team's time zone, so the demo always has upcoming events.

The seed command calls `seed_bookings(session, seeded)` after `seed_team(session)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .services import events, invoices
from .services.common import current_team


class SeededRecords(Protocol):
    """What `seed.Seeded` provides: ids of the team's event types, clients, locations, taxes."""

    event_types: list[int]
    clients: list[int]
    locations: list[int]
    taxes: list[int]


@dataclass
class SeededBookings:
    events: list[int] = field(default_factory=list)
    invoices: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"events": len(self.events), "invoices": len(self.invoices)}


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).isoformat()


def seed_bookings(session: Session, seeded: SeededRecords) -> SeededBookings:
    """A weekly and an open-ended series, single events in every status, and invoices in
    every status with their payments and refunds."""
    team = current_team(session)
    zone = ZoneInfo(team.timezone)
    today = datetime.now(zone).date()
    next_monday = today + timedelta(days=7 - today.weekday())
    assessment, follow_up, group_class = seeded.event_types[:3]
    clinic, phone = seeded.locations[:2]
    vat, reduced = seeded.taxes[:2]
    made = SeededBookings()

    def book(**body) -> dict:
        created = events.create_event(session, body)
        made.events.append(created["id"])
        return created

    weekly = book(
        event_type_id=follow_up,
        client_id=seeded.clients[0],
        location_id=clinic,
        starts_at=_at(next_monday, 9, 0, zone),
        notes="Knee rehabilitation, twice a week for six weeks.",
        recurrence={
            "frequency": "weekly",
            "by_weekday": ["MO", "TH"],
            "count": 12,
            "exclude_dates": [(next_monday + timedelta(days=14)).isoformat()],
        },
    )
    book(
        event_type_id=group_class,
        location_id=clinic,
        title="Back-care class (open group)",
        starts_at=_at(next_monday + timedelta(days=2), 18, 30, zone),
        recurrence={"frequency": "weekly", "interval": 2},
    )
    singles = [
        (assessment, 1, today + timedelta(days=1), "confirmed"),
        (assessment, 2, today + timedelta(days=3), "pending"),
        (follow_up, 3, today - timedelta(days=7), "completed"),
        (follow_up, 4, today - timedelta(days=5), "no_show"),
        (assessment, 5, today + timedelta(days=4), "cancelled"),
    ]
    single_events = []
    for event_type_id, client_index, day, status in singles:
        created = book(
            event_type_id=event_type_id,
            client_id=seeded.clients[client_index],
            location_id=phone if client_index % 2 else clinic,
            starts_at=_at(day, 14, 0, zone),
            status="pending" if status == "pending" else "confirmed",
        )
        if status == "cancelled":
            events.update_event(
                session, created["id"], {"status": status, "cancellation_reason": "Client is ill"}
            )
        elif status not in ("pending", "confirmed"):
            events.update_event(session, created["id"], {"status": status})
        single_events.append(created)

    session_line = {"description": "Follow-up session (45 min)", "quantity": 1, "unit_amount": 6500}
    stripe = {"amount": 10000, "provider": "stripe", "fee": 320, "provider_reference": "pi_demo"}
    sent = {"status": "sent"}
    plans = [
        # (client index, event, lines, status changes after creation)
        (0, weekly, [session_line | {"quantity": 12}], []),  # a draft with the default taxes
        (1, single_events[0], [session_line | {"tax_ids": [vat, reduced]}], [sent]),
        (
            2,
            None,
            [session_line | {"quantity": 4, "tax_ids": [vat]}],
            [sent, {"status": "partially_paid", "payment": stripe}],
        ),
        (
            3,
            single_events[2],
            [session_line],
            [sent, {"status": "paid", "payment": {"provider": "card"}}],
        ),
        (4, None, [session_line | {"tax_ids": []}], [sent, {"status": "overdue"}]),
        (5, None, [session_line], [{"status": "cancelled"}]),
        (
            6,
            None,
            [session_line | {"quantity": 2}],
            [
                sent,
                {"status": "paid", "payment": {"provider": "bank_transfer"}},
                {"status": "refunded"},
            ],
        ),
    ]
    for client_index, event, lines, changes in plans:
        body = {
            "client_id": seeded.clients[client_index],
            "event_id": event["id"] if event else None,
            "issue_date": (today - timedelta(days=10 - client_index)).isoformat(),
            "due_date": (today + timedelta(days=14)).isoformat(),
            "items": lines,
            "terms": "Payable within 14 days.",
        }
        invoice = invoices.create_invoice(session, body)
        for change in changes:
            invoices.update_invoice(session, invoice["id"], change)
        made.invoices.append(invoice["id"])
    return made
