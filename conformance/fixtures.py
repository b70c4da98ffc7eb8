"""The suite's own records: created through the API in dependency order, marked, removed after.

Every name, title or note carries the run's marker (`sk-conf-<run id>`) so rules can find the
suite's records among a deployment's real data, and cleanup can find them even after a crash.
Names are chosen to exercise orderings (duplicates broken by id, upper case before lower case,
non-ASCII last) and filters (every enum value the fixtures can take, dates on both sides of a
bound, tags).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schedulingkit.conformance.client import Exchange

if TYPE_CHECKING:
    from schedulingkit.conformance.context import SuiteState


class FixtureError(Exception):
    """The deployment refused to create a fixture the rules need."""


@dataclass
class Created:
    """One record the suite created."""

    collection: str  # /clients
    id: int
    body: dict[str, Any]  # what was sent
    exchange: Exchange  # the create request and its answer
    data: dict[str, Any] = field(default_factory=dict)
    read: Exchange | None = None  # GET right after the create

    @property
    def path(self) -> str:
        return f"{self.collection}/{self.id}"


# Creation order: a collection's records may refer to those of the collections before it.
ORDER = ("/taxes", "/event-types", "/clients", "/locations", "/events", "/workflows", "/invoices")


def plan(marker: str, ids: dict[str, list[int]]) -> dict[str, list[dict[str, Any]]]:
    """The bodies to create, per collection; `ids` holds the ids created so far."""
    m = marker
    first = {c: (v[0] if v else None) for c, v in ids.items()}
    if "/taxes" not in ids:
        return {
            "/taxes": [
                {"name": f"{m} VAT", "rate": "20.00", "inclusive": False},
                {"name": f"{m} Reduced", "rate": "5.5", "inclusive": True},
                {"name": f"{m} Zero", "rate": "0", "is_active": False},
            ]
        }
    if "/event-types" not in ids:
        return {
            "/event-types": [
                {
                    "name": f"{m} Alpha",
                    "slug": f"{m}-alpha",
                    "kind": "one_on_one",
                    "duration_minutes": 60,
                    "price": 6500,
                    "currency": "EUR",
                    "description": "Initial assessment",
                },
                {
                    "name": f"{m} Alpha",
                    "slug": f"{m}-alpha-2",
                    "kind": "group",
                    "duration_minutes": 45,
                    "max_attendees": 6,
                    "is_active": False,
                },
                {
                    "name": f"{m} beta",
                    "slug": f"{m}-beta",
                    "kind": "collective",
                    "duration_minutes": 30,
                },
                {
                    "name": f"{m} Zulu",
                    "slug": f"{m}-zulu",
                    "kind": "round_robin",
                    "duration_minutes": 15,
                    "description": "Quick call",
                },
            ]
        }
    if "/clients" not in ids:
        return {
            "/clients": [
                {
                    "name": f"{m} Ada",
                    "email": f"ada.{m}@example.com",
                    "phone": "+33612345678",
                    "tags": [f"{m}-vip", "sports"],
                    "timezone": "Europe/Paris",
                    "address": {"line1": "12 Rue de Rivoli", "city": "Paris", "country": "FR"},
                },
                {"name": f"{m} Ada", "email": f"ada2.{m}@example.com", "tags": [f"{m}-vip"]},
                {"name": f"{m} Élise", "phone": "+14155550123", "tags": []},
                {"name": f"{m} grace", "tags": ["sports"], "notes": "Prefers mornings."},
            ]
        }
    if "/locations" not in ids:
        return {
            "/locations": [
                {
                    "name": f"{m} Clinic",
                    "kind": "in_person",
                    "phone": "+33140000000",
                    "address": {"line1": "1 Main St", "city": "Lyon", "country": "FR"},
                },
                {"name": f"{m} Video", "kind": "video", "url": "https://meet.example.com/x"},
                {
                    "name": f"{m} phone line",
                    "kind": "phone",
                    "phone": "+33140000001",
                    "is_active": False,
                },
            ]
        }
    if "/events" not in ids:
        et, et2 = ids["/event-types"][0], ids["/event-types"][2]
        client, client2 = ids["/clients"][0], ids["/clients"][2]
        loc = first["/locations"]
        return {
            "/events": [
                {
                    "event_type_id": et,
                    "client_id": client,
                    "location_id": loc,
                    # 02:30 in Paris on the 26th of every month, from the night Paris
                    # falls back to winter time (Sunday 26 October 2031), when 02:30 comes
                    # twice: the start is the second (01:30Z, not 00:30Z), and the series
                    # crosses the change to summer time (28 March 2032): 01:30Z in winter,
                    # 00:30Z in April
                    "title": f"{m} Monthly review",
                    "starts_at": "2031-10-26T01:30:00Z",
                    "ends_at": "2031-10-26T02:30:00Z",
                    "timezone": "Europe/Paris",
                    "recurrence": {
                        "frequency": "monthly",
                        "count": 7,
                        "exclude_dates": ["2031-12-26"],
                    },
                },
                {
                    "event_type_id": et,
                    "client_id": client2,
                    "title": f"{m} Follow-up",
                    "starts_at": "2031-03-04T08:30:00Z",
                    "status": "pending",
                    "notes": "Bring the scans",
                },
                {
                    "event_type_id": et2,
                    "location_id": loc,
                    "title": f"{m} Group class",
                    "starts_at": "2031-03-04T08:30:00Z",
                    "timezone": "Europe/Paris",
                },
                {
                    "event_type_id": et2,
                    "title": "Session",
                    "notes": f"{m} note only",
                    "starts_at": "2031-03-10T14:00:00+01:00",
                    "timezone": "Europe/Paris",
                },
            ]
        }
    if "/workflows" not in ids:
        return {
            "/workflows": [
                {
                    "name": f"{m} Reminder",
                    "trigger": "before_event",
                    "trigger_offset": {"value": 24, "unit": "hours"},
                    "actions": [
                        {
                            "type": "email_invitee",
                            "subject": "Reminder",
                            "body": "See you {event.local_starts_at}",
                        }
                    ],
                },
                {
                    "name": f"{m} Tag",
                    "trigger": "event_scheduled",
                    "is_active": False,
                    "event_type_id": first["/event-types"],
                    "actions": [{"type": "add_tag", "tag": "booked"}],
                },
                {
                    "name": f"{m} thanks",
                    "trigger": "after_event",
                    "trigger_offset": {"value": 2, "unit": "hours"},
                    "actions": [{"type": "sms", "body": "Thank you"}],
                },
            ]
        }
    if "/invoices" not in ids:
        taxes = ids["/taxes"]
        client, client2 = ids["/clients"][0], ids["/clients"][1]
        return {
            "/invoices": [
                {
                    "client_id": client,
                    "event_id": first["/events"],
                    "issue_date": "2031-03-03",
                    "due_date": "2031-03-17",
                    "notes": f"{m} first visit",
                    "status": "sent",
                    "items": [
                        {
                            "description": "Session",
                            "quantity": 2,
                            "unit_amount": 6500,
                            "tax_ids": [taxes[0]],
                        }
                    ],
                },
                {
                    "client_id": client2,
                    "issue_date": "2031-03-01",
                    "notes": f"{m} pack",
                    "discount": 100,
                    "items": [
                        {
                            "description": "Pack",
                            "quantity": 1,
                            "unit_amount": 12000,
                            "tax_ids": [taxes[1]],
                        },
                        {"description": "Extra", "quantity": 3, "unit_amount": 999},
                    ],
                },
                {
                    "client_id": client,
                    "issue_date": "2031-03-03",
                    "notes": f"{m} second",
                    "status": "sent",
                    "items": [{"description": "Session", "quantity": 1, "unit_amount": 5000}],
                },
            ]
        }
    return {}


class FixtureSet:
    """The records this run created, by collection, and how to get rid of them."""

    def __init__(self, state: SuiteState) -> None:
        self.state = state
        self.created: dict[str, list[Created]] = {}
        self.payments: list[Exchange] = []
        self.original_team: dict[str, Any] | None = None

    @property
    def marker(self) -> str:
        return self.state.marker

    def ids(self, collection: str) -> list[int]:
        return [c.id for c in self.created.get(collection, [])]

    def records(self, collection: str) -> list[Created]:
        return list(self.created.get(collection, []))

    def owns(self, collection: str, item_id: Any) -> bool:
        return item_id in self.ids(collection)

    def create(self, collection: str, body: dict[str, Any], *, read: bool = True) -> Created:
        """POST one record and remember it (for cleanup) whatever the rules then do with it;
        `read`: GET it right after (RES-001 compares; a record made to be spent needs not)."""
        op = self.state.contract.find("POST", collection)
        exchange = self.state.api.post(collection, body, operation=op.label if op else "")
        data = exchange.data
        if (
            exchange.status != 201
            or not isinstance(data, dict)
            or not isinstance(data.get("id"), int)
        ):
            raise FixtureError(
                f"POST {collection} did not create a fixture: {exchange.describe()}\n"
                f"  {exchange.curl()}"
            )
        created = Created(collection, data["id"], body, exchange, data)
        self.created.setdefault(collection, []).append(created)
        if read:
            created.read = self.state.api.get(created.path, operation=f"GET {collection}/{{id}}")
        return created

    def create_all(self) -> None:
        """Every planned record, then the payments that record transactions."""
        ids: dict[str, list[int]] = {}
        for _ in ORDER:
            for collection, bodies in plan(self.marker, ids).items():
                if self.state.contract.find("POST", collection) is None:
                    ids[collection] = []
                    continue
                ids[collection] = [self.create(collection, body).id for body in bodies]
        self._record_payments()

    def _record_payments(self) -> None:
        """Pay one invoice in full and one in part: the deployment records two transactions."""
        invoices = self.records("/invoices")
        if len(invoices) < 3:
            return
        first, third = invoices[0], invoices[2]
        for invoice, status, amount in (
            (first, "partially_paid", 1000),
            (third, "paid", third.data.get("total", 0)),
        ):
            body = {
                "status": status,
                "payment": {
                    "amount": amount,
                    "provider": "stripe",
                    "provider_reference": f"{self.marker}-{invoice.id}",
                },
            }
            exchange = self.state.api.put(invoice.path, body, operation="PUT /invoices/{id}")
            if exchange.status != 200:
                raise FixtureError(
                    f"PUT {invoice.path} could not record a payment: {exchange.describe()}\n"
                    f"  {exchange.curl()}"
                )
            self.payments.append(exchange)

    def cleanup(self) -> list[str]:
        """Remove what can be removed, cancel the rest; return notes on what stayed."""
        api = self.state.api
        notes: list[str] = []
        kept: list[str] = []
        done: set[str] = set()
        for collection in reversed(ORDER):
            for record in reversed(self.created.get(collection, [])):
                if record.path in done:
                    continue  # listed twice: one request settles it
                done.add(record.path)
                if collection == "/invoices":
                    current = api.get(record.path).data or {}
                    status = current.get("status")
                    target = {
                        "draft": "cancelled",
                        "sent": "cancelled",
                        "overdue": "cancelled",
                        "paid": "refunded",
                        "partially_paid": "refunded",
                    }.get(status)
                    if target:
                        api.put(record.path, {"status": target})
                    kept.append(record.path)
                    continue
                answer = api.delete(record.path)
                if collection == "/events":
                    if answer.status not in (200, 404):
                        notes.append(f"could not cancel {record.path}: {answer.describe()}")
                    kept.append(record.path)
                elif answer.status not in (204, 404):
                    kept.append(record.path)
        if self.original_team is not None:
            api.put("/team", self.original_team)
        if kept:
            counts: dict[str, int] = {}
            for path in kept:
                collection = path.rsplit("/", 1)[0]
                counts[collection] = counts.get(collection, 0) + 1
            summary = ", ".join(f"{c} x{n}" for c, n in counts.items())
            notes.append(
                f"kept {len(kept)} records the API cannot remove (events are cancelled, invoices "
                f"cancelled or refunded, and what they refer to stays): {summary}; the suite's "
                f"own are marked {self.marker}"
            )
        return notes
