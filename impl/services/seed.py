"""Realistic demo data for one team, created through the same services the API uses."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..data.db import Database, TeamConnection
from ..data.models.billing import Transaction
from ..data.models.resources import EventType
from . import clients, event_types, events, invoices, locations, taxes, workflows

EVENT_TYPES = [
    {"name": "Initial assessment", "slug": "initial-assessment", "kind": "one_on_one",
     "duration_minutes": 60, "buffer_after_minutes": 15, "price": 9000, "color": "#2563EB",
     "description": "A first visit: history, examination and a treatment plan."},
    {"name": "Follow-up session", "slug": "follow-up", "kind": "one_on_one",
     "duration_minutes": 45, "buffer_after_minutes": 10, "price": 6500, "color": "#16A34A",
     "description": "Treatment session for returning clients."},
    {"name": "Back-care group class", "slug": "back-care-class", "kind": "group",
     "duration_minutes": 60, "price": 2000, "max_attendees": 8, "color": "#D97706",
     "description": "Exercises for a healthy back, in small groups."},
    {"name": "Team consultation", "slug": "team-consultation", "kind": "collective",
     "duration_minutes": 30, "price": 0, "color": "#7C3AED"},
    {"name": "Video check-in", "slug": "video-check-in", "kind": "round_robin",
     "duration_minutes": 20, "price": 3000, "color": "#DB2777", "is_active": False},
]  # fmt: skip

CLIENTS = [
    ("Ada Lovelace", "ada@example.com", "+44 20 7946 0018", ["vip", "newsletter"], "Europe/London"),
    ("Alan Turing", "alan@example.com", "+44 20 7946 0999", ["newsletter"], "Europe/London"),
    ("Grace Hopper", "grace@example.com", "+1 212 555 0199", ["vip"], "America/New_York"),
    ("Émilie du Châtelet", "emilie@example.fr", "+33 1 70 36 39 50", [], "Europe/Paris"),
    ("Katherine Johnson", "katherine@example.com", None, ["referral"], "America/New_York"),
    ("Hedy Lamarr", "hedy@example.com", "+1 310 555 0143", ["vip", "referral"], None),
    ("Søren Kierkegaard", None, "+45 32 12 34 56", [], "Europe/Copenhagen"),
    ("Margaret Hamilton", "margaret@example.com", None, ["newsletter"], None),
    ("Linus Pauling", "linus@example.com", "+1 503 555 0110", [], "America/Los_Angeles"),
    ("Marie Curie", "marie@example.fr", "+33 1 44 27 60 00", ["vip"], "Europe/Paris"),
    ("Nikola Tesla", "nikola@example.com", None, [], None),
    ("Rosalind Franklin", "rosalind@example.co.uk", "+44 1223 555 012", ["referral"], None),
]  # fmt: skip

LOCATIONS = [
    {"name": "Main clinic", "kind": "in_person", "phone": "+44 20 7946 0000",
     "address": {"line1": "12 Harley Street", "city": "London", "postal_code": "W1G 9PF",
                 "country": "GB"}},
    {"name": "Phone consultation", "kind": "phone", "phone": "+44 20 7946 0001"},
    {"name": "Video room", "kind": "video", "url": "https://meet.example.com/schedulingkit-demo"},
    {"name": "Old annex", "kind": "in_person", "is_active": False,
     "address": {"line1": "3 Wimpole Street", "city": "London", "country": "GB"}},
]  # fmt: skip

TAXES = [
    {"name": "VAT 20%", "rate": "20.00", "is_default": True},
    {"name": "Reduced VAT 5%", "rate": "5", "inclusive": False},
    {"name": "Tourist tax 10% (incl.)", "rate": "10", "inclusive": True, "is_active": False},
]


@dataclass
class Seeded:
    """Ids of what was created, for callers that build on it (events, invoices)."""

    event_types: list[int] = field(default_factory=list)
    clients: list[int] = field(default_factory=list)
    locations: list[int] = field(default_factory=list)
    workflows: list[int] = field(default_factory=list)
    taxes: list[int] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    invoices: list[int] = field(default_factory=list)
    transactions: int = 0

    def counts(self) -> dict[str, int]:
        return {
            name: value if isinstance(value, int) else len(value)
            for name, value in vars(self).items()
        }


def seed(url: str, team_id: int) -> Seeded:
    """Seed team `team_id` from synchronous code (the CLI, tests): with an event loop and an
    engine of its own."""

    async def run() -> Seeded:
        database = Database(url)
        try:
            return await seed_database(database, team_id)
        finally:
            await database.aclose()

    return asyncio.run(run())


async def seed_database(database: Database, team_id: int) -> Seeded:
    """Create the demo data in team `team_id` (LookupError when there is no such team)."""
    async with database.team(team_id) as db:
        return await seed_team(db)


async def seed_team(db: TeamConnection) -> Seeded:
    """Create the demo data in the connection's team, through the services the API uses."""
    seeded = Seeded()
    for body in EVENT_TYPES:
        body = {**body, "slug": await _free_slug(db, body["slug"])}  # seeding twice works
        seeded.event_types.append((await event_types.create_event_type(db, body))["id"])
    for name, email, phone, tags, tz in CLIENTS:
        body = {"name": name, "email": email, "phone": phone, "tags": tags}
        if tz:
            body["timezone"] = tz
        seeded.clients.append((await clients.create_client(db, body))["id"])
    for body in LOCATIONS:
        seeded.locations.append((await locations.create_location(db, dict(body)))["id"])
    for body in TAXES:
        seeded.taxes.append((await taxes.create_tax(db, dict(body)))["id"])
    for body in _workflows(seeded.event_types[0]):
        seeded.workflows.append((await workflows.create_workflow(db, body))["id"])
    await _seed_events(db, seeded)
    await _seed_invoices(db, seeded)
    seeded.transactions = await db.scalar(select(func.count(Transaction.id))) or 0
    return seeded


async def _free_slug(db: TeamConnection, slug: str) -> str:
    rows = await db.execute(select(EventType.slug).where(EventType.slug.startswith(slug)))
    taken = set(rows.scalars())
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


async def _seed_events(db: TeamConnection, seeded: Seeded) -> None:
    """Bookings around today, in the team's time zone: past, upcoming, recurring, cancelled."""
    zone = ZoneInfo(db.team.timezone)
    today = datetime.now(zone).date()
    assessment, follow_up, group_class = seeded.event_types[:3]
    clinic, phone, video = seeded.locations[:3]
    plan = [
        # (days from today, hour, event type, client index, location, extra fields)
        (-14, 9, assessment, 0, clinic, {"status": "confirmed"}),
        (-7, 10, follow_up, 0, clinic, {}),
        (-3, 14, assessment, 1, phone, {"notes": "Prefers afternoon calls."}),
        (1, 9, follow_up, 2, clinic, {}),
        (1, 11, assessment, 3, video, {"status": "pending"}),
        (2, 16, follow_up, 4, phone, {}),
        (5, 8, assessment, 5, clinic, {"notes": "Bring previous X-rays."}),
        (6, 18, group_class, None, clinic,
         {"title": "Back-care class (weekly)",
          "recurrence": {"frequency": "weekly", "count": 10,
                         "exclude_dates": [(today + timedelta(days=6 + 21)).isoformat()]}}),
        (3, 7, follow_up, 6, clinic,
         {"recurrence": {"frequency": "weekly", "interval": 2, "by_weekday": ["MO", "TH"],
                         "until": (today + timedelta(days=90)).isoformat()}}),
        (9, 12, follow_up, 7, video, {}),
    ]  # fmt: skip
    for days, hour, event_type_id, client, location_id, extra in plan:
        starts = datetime.combine(today + timedelta(days=days), time(hour), tzinfo=zone)
        body = {
            "event_type_id": event_type_id,
            "client_id": seeded.clients[client] if client is not None else None,
            "location_id": location_id,
            "starts_at": starts.isoformat(),
            "timezone": zone.key,
            **extra,
        }
        seeded.events.append((await events.create_event(db, body))["id"])
    await events.update_event(db, seeded.events[0], {"status": "completed"})
    await events.update_event(db, seeded.events[1], {"status": "completed"})
    await events.update_event(db, seeded.events[2], {"status": "no_show"})
    await events.cancel_event(db, seeded.events[5])


async def _seed_invoices(db: TeamConnection, seeded: Seeded) -> None:
    """Invoices in every common state; paying and refunding records the transactions."""
    vat, reduced = seeded.taxes[:2]

    async def create(
        client: int, event: int | None, items: list[dict], status: str = "sent"
    ) -> int:
        body = {"client_id": seeded.clients[client], "items": items, "status": status}
        if event is not None:
            body["event_id"] = seeded.events[event]
        return (await invoices.create_invoice(db, body))["id"]

    assessment_line = {
        "description": "Initial assessment (60 min)",
        "quantity": 1,
        "unit_amount": 9000,
        "tax_ids": [vat],
    }
    follow_up_line = {
        "description": "Follow-up session (45 min)",
        "quantity": 1,
        "unit_amount": 6500,
    }
    booklet = {"description": "Exercise booklet", "quantity": 2, "unit_amount": 1250,
               "tax_ids": [reduced]}  # fmt: skip
    paid = await create(0, 0, [assessment_line, booklet])
    await invoices.update_invoice(
        db, paid, {"status": "paid", "payment": {"provider": "stripe", "fee": 175,
                                                      "provider_reference": "pi_demo_0001"}}
    )  # fmt: skip
    partial = await create(0, 1, [follow_up_line])
    await invoices.update_invoice(
        db, partial,
        {"status": "partially_paid", "payment": {"amount": 3000, "provider": "card"}},
    )  # fmt: skip
    refunded = await create(1, 2, [assessment_line])
    await invoices.update_invoice(db, refunded, {"status": "paid", "payment": {"provider": "cash"}})
    await invoices.update_invoice(db, refunded, {"status": "refunded"})
    draft = await create(2, 3, [follow_up_line, booklet], status="draft")
    sent = await create(3, None, [{**follow_up_line, "quantity": 3, "tax_ids": []}])
    cancelled = await create(4, None, [booklet])
    await invoices.update_invoice(db, cancelled, {"status": "cancelled"})
    seeded.invoices.extend([paid, partial, refunded, draft, sent, cancelled])


def _workflows(assessment_id: int) -> list[dict]:
    return [
        {"name": "Booking confirmation", "trigger": "event_scheduled",
         "actions": [{"type": "email_invitee", "subject": "See you on {event.local_starts_at}",
                      "body": "Hello {client.name}, your {event.title} is booked. {team.name}"},
                     {"type": "email_host", "subject": "New booking: {event.title}",
                      "body": "{client.name} booked {event.title}."}]},
        {"name": "Reminder 24 hours before", "trigger": "before_event",
         "trigger_offset": {"value": 24, "unit": "hours"},
         "actions": [{"type": "sms", "body": "Reminder: {event.title}, {event.local_starts_at}."}]},
        {"name": "Assessment follow-up", "trigger": "after_event", "event_type_id": assessment_id,
         "trigger_offset": {"value": 2, "unit": "days"},
         "actions": [{"type": "email_invitee", "subject": "How are you feeling?",
                      "body": "Hello {client.name}, book your follow-up any time."},
                     {"type": "add_tag", "tag": "assessed"}]},
        {"name": "No-show tagging", "trigger": "event_cancelled", "is_active": False,
         "actions": [{"type": "add_tag", "tag": "cancelled-once"}]},
    ]  # fmt: skip
