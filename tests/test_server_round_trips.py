"""Database round trips per request, for every operation of the document.

A PostgreSQL server on another host costs a round trip per statement, so the request path is
held to a budget: at most 3 for a read (the token, a count, a page, children in the same
statements) and at most 5 for a write; writes that must do more have a bound of their own,
with the reason beside it. Statements are counted as SQLAlchemy sends them to the driver
(`before_cursor_execute`), transaction control included: the request path opens its
transactions with explicit BEGIN and COMMIT statements, and reads run in autocommit.

On PostgreSQL the same requests also go through a TCP proxy that counts client-to-server
turns on the wire, and the two counts must agree: no hidden BEGIN, ROLLBACK on release,
pre-ping or SET. (psycopg prepares a statement on its fifth use on a connection, one round
trip once per connection and statement, not per request; the counted app turns that off so
the wire compares like with like.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from conftest import TEST_RATE_LIMIT, Api
from schedulingkit.impl.settings import Settings
from schedulingkit.impl.web.app import create_app
from schedulingkit.openapi.contract import load_contract
from sqlalchemy import event
from sqlalchemy.engine import make_url
from tcp_proxy import ProxyThread, running_proxy

READ = 3
WRITE = 5


@dataclass(frozen=True)
class Case:
    operation_id: str
    method: str
    path: str
    body: dict | None = None
    bound: int = WRITE
    why: str = ""
    status: int = 200
    name: str = ""

    @property
    def id(self) -> str:
        return self.name or self.operation_id


@dataclass
class Fixtures:
    """Ids made through the API before counting (one team, every resource)."""

    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def cases(f: Fixtures) -> list[Case]:
    event_type = {"name": "Call", "slug": "call-2", "kind": "one_on_one", "duration_minutes": 30}
    line = {"description": "Session", "quantity": 2, "unit_amount": 6500, "tax_ids": [f["tax"]]}
    return [
        Case("getTeam", "GET", "/team", bound=READ),
        Case("updateTeam", "PUT", "/team", {"name": "Renamed", "slug": f"t-{f['team']}-x"}),
        Case("listEventTypes", "GET", "/event-types", bound=READ),
        Case("createEventType", "POST", "/event-types", event_type, status=201),
        Case("getEventType", "GET", f"/event-types/{f['event_type']}", bound=READ),
        Case(
            "updateEventType",
            "PUT",
            f"/event-types/{f['event_type']}",
            {"name": "Longer call", "slug": "longer-call", "duration_minutes": 45},
        ),
        Case("deleteEventType", "DELETE", f"/event-types/{f['spare_event_type']}", status=204),
        Case("listEvents", "GET", "/events", bound=READ),
        Case(
            "listEvents",
            "GET",
            "/events?status=confirmed&from=2026-01-01",
            bound=READ,
            name="listEvents-filtered",
        ),
        Case(
            "createEvent",
            "POST",
            "/events",
            {
                "event_type_id": f["event_type"],
                "client_id": f["client"],
                "location_id": f["location"],
                "starts_at": "2026-03-17T09:00:00Z",
                "recurrence": {"frequency": "weekly", "count": 4},
            },
            status=201,
        ),
        Case("getEvent", "GET", f"/events/{f['event']}", bound=READ),
        Case(
            "updateEvent",
            "PUT",
            f"/events/{f['event']}",
            {
                "client_id": f["client"],
                "starts_at": "2026-03-16T10:00:00Z",
                "ends_at": "2026-03-16T10:45:00Z",
                "notes": "moved",
            },
        ),
        Case("cancelEvent", "DELETE", f"/events/{f['cancelled_event']}"),
        Case(
            "listEventOccurrences",
            "GET",
            f"/events/{f['event']}/occurrences?from=2026-03-01",
            bound=READ,
        ),
        Case("listClients", "GET", "/clients", bound=READ),
        Case(
            "createClient",
            "POST",
            "/clients",
            {"name": "Grace Hopper", "email": "grace@example.com", "tags": ["new", "vip"]},
            status=201,
        ),
        Case("getClient", "GET", f"/clients/{f['client']}", bound=READ),
        Case(
            "updateClient",
            "PUT",
            f"/clients/{f['client']}",
            {"name": "Ada K. Lovelace", "tags": ["vip", "founder"]},
            bound=7,
            why="tags are rows of their own: replacing them is a DELETE and a batched INSERT "
            "beside the client's locked read and UPDATE, in BEGIN ... COMMIT",
        ),
        Case(
            "updateClient",
            "PUT",
            f"/clients/{f['client']}",
            {"notes": "Prefers mornings."},
            name="updateClient-without-tags",
        ),
        Case("deleteClient", "DELETE", f"/clients/{f['spare_client']}", status=204),
        Case("listLocations", "GET", "/locations", bound=READ),
        Case(
            "createLocation",
            "POST",
            "/locations",
            {"name": "Annex", "kind": "in_person"},
            status=201,
        ),
        Case("getLocation", "GET", f"/locations/{f['location']}", bound=READ),
        Case("updateLocation", "PUT", f"/locations/{f['location']}", {"is_active": False}),
        Case("deleteLocation", "DELETE", f"/locations/{f['spare_location']}", status=204),
        Case("listWorkflows", "GET", "/workflows", bound=READ),
        Case(
            "createWorkflow",
            "POST",
            "/workflows",
            {
                "name": "Reminder",
                "trigger": "before_event",
                "event_type_id": f["event_type"],
                "trigger_offset": {"value": 1, "unit": "days"},
                "actions": [{"type": "sms", "body": "Tomorrow: {event.title}"}],
            },
            status=201,
        ),
        Case("getWorkflow", "GET", f"/workflows/{f['workflow']}", bound=READ),
        Case(
            "updateWorkflow",
            "PUT",
            f"/workflows/{f['workflow']}",
            {"event_type_id": f["event_type"], "is_active": False},
        ),
        Case("deleteWorkflow", "DELETE", f"/workflows/{f['spare_workflow']}", status=204),
        Case("listInvoices", "GET", "/invoices", bound=READ),
        Case(
            "createInvoice",
            "POST",
            "/invoices",
            {"client_id": f["client"], "event_id": f["event"], "items": [line, line]},
            bound=8,
            why="an invoice is four tables: one read of the client, event and taxes it "
            "names, then the number (one upsert), the invoice, its lines and their tax "
            "snapshots (one batched INSERT each), in BEGIN ... COMMIT",
            status=201,
        ),
        Case("getInvoice", "GET", f"/invoices/{f['invoice']}", bound=READ),
        Case(
            "updateInvoice",
            "PUT",
            f"/invoices/{f['draft_invoice']}",
            {"items": [line], "discount": 100},
            bound=8,
            why="replacing a draft's lines is a DELETE (their taxes cascade) and two batched "
            "INSERTs (lines, tax snapshots) beside the invoice's locked read and UPDATE, in "
            "BEGIN ... COMMIT",
        ),
        Case(
            "updateInvoice",
            "PUT",
            f"/invoices/{f['invoice']}",
            {"status": "paid", "payment": {"provider": "stripe", "fee": 100}},
            bound=6,
            why="a payment records its transaction (one INSERT) in the same BEGIN ... COMMIT "
            "as the invoice's locked read and UPDATE",
            name="updateInvoice-payment",
        ),
        Case("listTransactions", "GET", "/transactions", bound=READ),
        Case("getTransaction", "GET", f"/transactions/{f['transaction']}", bound=READ),
        Case("listTaxes", "GET", "/taxes", bound=READ),
        Case("createTax", "POST", "/taxes", {"name": "GST", "rate": "5"}, status=201),
        Case("getTax", "GET", f"/taxes/{f['tax']}", bound=READ),
        Case("updateTax", "PUT", f"/taxes/{f['tax']}", {"rate": "21"}),
        Case("deleteTax", "DELETE", f"/taxes/{f['spare_tax']}", status=204),
    ]


def make_fixtures(api: Api) -> Fixtures:
    f = Fixtures()
    f.ids["team"] = api.team_id
    call = {"name": "Call", "slug": "call", "kind": "one_on_one", "duration_minutes": 30}
    f.ids["event_type"] = api.create("/event-types", call)["id"]
    f.ids["spare_event_type"] = api.create("/event-types", {**call, "slug": "spare"})["id"]
    f.ids["client"] = api.create("/clients", {"name": "Ada", "tags": ["vip"]})["id"]
    f.ids["spare_client"] = api.create("/clients", {"name": "Spare"})["id"]
    room = {"name": "Room", "kind": "in_person"}
    f.ids["location"] = api.create("/locations", room)["id"]
    f.ids["spare_location"] = api.create("/locations", room)["id"]
    flow = {"name": "Hi", "trigger": "event_scheduled", "actions": [{"type": "sms", "body": "x"}]}
    f.ids["workflow"] = api.create("/workflows", flow)["id"]
    f.ids["spare_workflow"] = api.create("/workflows", flow)["id"]
    f.ids["tax"] = api.create("/taxes", {"name": "VAT", "rate": "20", "is_default": True})["id"]
    f.ids["spare_tax"] = api.create("/taxes", {"name": "Old", "rate": "1"})["id"]
    booking = {"event_type_id": f["event_type"], "starts_at": "2026-03-16T09:00:00Z"}
    weekly = {**booking, "recurrence": {"frequency": "weekly", "count": 10}}
    f.ids["event"] = api.create("/events", weekly)["id"]
    f.ids["cancelled_event"] = api.create("/events", booking)["id"]
    item = {"description": "Session", "quantity": 1, "unit_amount": 6500}
    sent = {"client_id": f["client"], "items": [item], "status": "sent"}
    f.ids["invoice"] = api.create("/invoices", sent)["id"]
    f.ids["draft_invoice"] = api.create("/invoices", {**sent, "status": "draft"})["id"]
    paid = api.create("/invoices", sent)
    api.put(f"/invoices/{paid['id']}", {"status": "paid"})
    f.ids["transaction"] = api.get("/transactions").json()["data"][0]["id"]
    return f


class StatementCounter:
    """Statements the engine sends to the driver, BEGIN and COMMIT included."""

    def __init__(self, engine) -> None:
        self.statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:
        self.statements.append(statement)


@pytest.fixture(scope="module")
def wire(request: pytest.FixtureRequest) -> Iterator[ProxyThread | None]:
    """On PostgreSQL, a counting TCP proxy in front of the test database."""
    if request.getfixturevalue("backend") != "postgresql":
        yield None
        return
    url = make_url(request.getfixturevalue("database_url"))
    with running_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def counted(database_url, wire, make_team_module):
    """An app whose statements are counted (and, on PostgreSQL, whose wire is)."""
    url = make_url(database_url)
    if wire is not None:
        url = url.set(host="127.0.0.1", port=wire.port)
    settings = Settings(
        database_url=url.render_as_string(hide_password=False), rate_limit=TEST_RATE_LIMIT
    )
    app = create_app(settings)
    counter = StatementCounter(app.database.engine)
    if wire is not None:
        event.listen(app.database.engine.sync_engine, "connect", _no_automatic_prepare)
    with app.test_client() as client:
        team_id, token = make_team_module()
        api = Api(client, token, team_id)
        yield api, make_fixtures(api), counter
    app.database.dispose()


def _no_automatic_prepare(dbapi_connection, _record) -> None:
    dbapi_connection.driver_connection.prepare_threshold = None


@pytest.fixture(scope="module")
def make_team_module(app):
    import secrets

    from schedulingkit.impl.data.tokens import create_token
    from schedulingkit.impl.services.team import create_team

    def make() -> tuple[int, str]:
        with app.database.system_session() as session:
            team = create_team(session, f"Round trips {secrets.token_hex(3)}")
            return team.id, create_token(session, team.id, "round trips").plaintext

    return make


def test_every_operation_of_the_document_is_counted():
    covered = {case.operation_id for case in cases(Fixtures(ids=_AnyId()))}
    assert covered == {op.operation_id for op in load_contract().operations}
    assert len(covered) == 39


class _AnyId(dict):
    def __getitem__(self, key: str) -> int:
        return 1


CASE_IDS = [case.id for case in cases(Fixtures(ids=_AnyId()))]


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_round_trips_within_the_bound(counted, wire, case_id):
    api, fixtures, counter = counted
    case = next(c for c in cases(fixtures) if c.id == case_id)
    if case.bound > (READ if case.method == "GET" else WRITE):
        assert case.why, f"{case.id}: a bound above the default needs its reason"
    api.get("/team")  # a warm connection: a new one costs its handshake once, not per request
    counter.statements.clear()
    turns_before = wire.turns if wire is not None else 0
    response = api.request(case.method, case.path, json=case.body)
    assert response.status_code == case.status, response.text
    statements = list(counter.statements)
    assert len(statements) <= case.bound, "\n".join(statements)
    if wire is not None:
        turns = wire.turns - turns_before
        assert turns == len(statements), f"{turns} turns on the wire for {statements}"
