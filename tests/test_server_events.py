"""Events through HTTP: create/get/update/cancel, the 422 rules, team isolation, lists."""

from __future__ import annotations

import itertools

import pytest
from bookings_helpers import all_pages, assert_filter_keeps_exactly, filter_values, keeps, sort_key
from schedulingkit.impl.data.models.bookings import Event
from schedulingkit.openapi.contract import load_contract
from sqlalchemy import select

DOCUMENT = load_contract()
LIST_EVENTS = DOCUMENT.operation("listEvents")


@pytest.fixture
def refs(api) -> dict:
    """An event type (45 min), two clients and a location of the api's team."""
    event_type = api.create(
        "/event-types",
        {"name": "Follow-up", "slug": "follow-up", "kind": "one_on_one", "duration_minutes": 45},
    )
    return {
        "event_type": event_type,
        "clients": [api.create("/clients", {"name": n}) for n in ("Ada", "Grace")],
        "location": api.create("/locations", {"name": "Clinic", "kind": "in_person"}),
    }


def event_body(refs: dict, **fields) -> dict:
    return {"event_type_id": refs["event_type"]["id"], "starts_at": "2026-03-16T09:00:00+01:00"} | (
        fields
    )


def test_create_fills_defaults_from_event_type_and_team(make_api):
    api = make_api(timezone="America/New_York")
    event_type = api.create(
        "/event-types",
        {"name": "Assessment", "slug": "a", "kind": "one_on_one", "duration_minutes": 45},
    )
    created = api.create(
        "/events", {"event_type_id": event_type["id"], "starts_at": "2026-03-16T09:00:00+01:00"}
    )
    assert created["title"] == "Assessment"
    assert created["starts_at"] == "2026-03-16T08:00:00Z"  # any offset in, UTC out
    assert created["ends_at"] == "2026-03-16T08:45:00Z"  # + the event type's duration
    assert created["timezone"] == "America/New_York"
    assert created["status"] == "confirmed"
    assert created["client_id"] is None and created["location_id"] is None
    assert created["recurrence"] is None
    assert created["notes"] is None and created["cancellation_reason"] is None
    fetched = api.get(f"/events/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["data"] == created


def test_create_with_every_field(api, refs):
    body = event_body(
        refs,
        client_id=refs["clients"][0]["id"],
        location_id=refs["location"]["id"],
        title="Knee check",
        ends_at="2026-03-16T10:30:00+01:00",
        timezone="Europe/Paris",
        status="pending",
        notes="Bring X-rays",
        recurrence={"frequency": "weekly", "interval": 2, "by_weekday": ["MO", "TH"], "count": 6},
    )
    created = api.create("/events", body)
    assert created["ends_at"] == "2026-03-16T09:30:00Z"
    assert created["status"] == "pending"
    assert created["recurrence"] == {
        "frequency": "weekly",
        "interval": 2,
        "by_weekday": ["MO", "TH"],
        "count": 6,
        "until": None,
        "exclude_dates": [],
    }
    assert {k: created[k] for k in ("client_id", "location_id", "title", "notes")} == {
        "client_id": refs["clients"][0]["id"],
        "location_id": refs["location"]["id"],
        "title": "Knee check",
        "notes": "Bring X-rays",
    }


INVALID_CREATES = [
    pytest.param({"event_type_id": 999999}, {"event_type_id"}, id="unknown-event-type"),
    pytest.param({"client_id": 999999}, {"client_id"}, id="unknown-client"),
    pytest.param({"location_id": 999999}, {"location_id"}, id="unknown-location"),
    pytest.param(
        {"ends_at": "2026-03-16T09:00:00+01:00"}, {"ends_at"}, id="ends-at-equal-to-start"
    ),
    pytest.param({"ends_at": "2026-03-16T07:59:00Z"}, {"ends_at"}, id="ends-before-start"),
    pytest.param({"timezone": "Mars/Olympus_Mons"}, {"timezone"}, id="unknown-time-zone"),
    pytest.param(
        {"recurrence": {"frequency": "daily", "count": 3, "until": "2026-04-01"}},
        {"recurrence.until"},
        id="count-and-until",
    ),
    pytest.param(
        {"recurrence": {"frequency": "daily", "until": "2026-03-15"}},
        {"recurrence.until"},
        id="until-before-the-start",
    ),
    pytest.param(
        {
            "client_id": 999999,
            "location_id": 999999,
            "ends_at": "2026-03-16T07:00:00Z",
            "recurrence": {"frequency": "daily", "count": 2, "until": "2026-04-01"},
        },
        {"client_id", "location_id", "ends_at", "recurrence.until"},
        id="every-failing-field-listed",
    ),
]


@pytest.mark.parametrize(("fields", "error_keys"), INVALID_CREATES)
def test_create_rules_answer_422_naming_the_fields(api, refs, fields, error_keys):
    response = api.post("/events", event_body(refs, **fields))
    assert response.status_code == 422, response.text
    assert set(response.json()["errors"]) == error_keys
    assert api.get("/events").json()["meta"]["total"] == 0


def test_until_on_the_local_start_date_is_accepted(api, refs):
    # 2026-03-16T23:30 in Los Angeles is already the 17th in UTC: until is a local date.
    body = event_body(
        refs,
        starts_at="2026-03-16T23:30:00-07:00",
        timezone="America/Los_Angeles",
        recurrence={"frequency": "daily", "until": "2026-03-16"},
    )
    assert api.post("/events", body).status_code == 201


@pytest.mark.parametrize("field", ["event_type_id", "client_id", "location_id"])
def test_another_teams_references_are_invalid(api, make_api, refs, field):
    other = make_api()
    other_ids = {
        "event_type_id": other.create(
            "/event-types",
            {"name": "T", "slug": "t", "kind": "one_on_one", "duration_minutes": 30},
        )["id"],
        "client_id": other.create("/clients", {"name": "Other"})["id"],
        "location_id": other.create("/locations", {"name": "Elsewhere", "kind": "phone"})["id"],
    }
    response = api.post("/events", event_body(refs, **{field: other_ids[field]}))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(
    "body",
    [{"starts_at": "2026-03-16"}, {"status": "cancelled"}, {"id": 3}, {"colour": "red"}],
    ids=["date-not-date-time", "status-not-allowed-on-create", "read-only-id", "unknown-field"],
)
def test_create_schema_violations_are_422(api, refs, body):
    response = api.post("/events", event_body(refs, **body))
    assert response.status_code == 422, response.text


def test_update_is_partial_and_rechecks_the_merged_event(api, refs, stored):
    created = api.create("/events", event_body(refs, notes="first"))
    changed = api.put(f"/events/{created['id']}", {"title": "Renamed"}).json()["data"]
    assert changed["title"] == "Renamed"
    assert {k: v for k, v in changed.items() if k not in ("title", "updated_at")} == {
        k: v for k, v in created.items() if k not in ("title", "updated_at")
    }
    # moving the start past the (kept) end breaks the rule of a new event
    response = api.put(f"/events/{created['id']}", {"starts_at": "2026-03-16T12:00:00Z"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["ends_at"]
    [(starts_at, title)] = stored(
        select(Event.starts_at, Event.title).where(Event.id == created["id"])
    )
    assert starts_at.isoformat() == "2026-03-16T08:00:00+00:00"
    assert title == "Renamed"
    moved = api.put(
        f"/events/{created['id']}",
        {"starts_at": "2026-03-16T12:00:00Z", "ends_at": "2026-03-16T13:00:00Z"},
    )
    assert moved.status_code == 200
    assert moved.json()["data"]["starts_at"] == "2026-03-16T12:00:00Z"


def test_update_references_recurrence_and_nulls(api, refs):
    created = api.create(
        "/events",
        event_body(refs, client_id=refs["clients"][0]["id"], location_id=refs["location"]["id"]),
    )
    path = f"/events/{created['id']}"
    body = {
        "client_id": refs["clients"][1]["id"],
        "location_id": None,
        "recurrence": {"frequency": "monthly", "count": 3},
    }
    changed = api.put(path, body).json()["data"]
    assert changed["client_id"] == refs["clients"][1]["id"]
    assert changed["location_id"] is None
    assert changed["recurrence"]["frequency"] == "monthly"
    assert api.put(path, {"recurrence": None}).json()["data"]["recurrence"] is None
    response = api.put(path, {"client_id": 999999, "event_type_id": 999999})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"client_id", "event_type_id"}
    response = api.put(path, {"recurrence": {"frequency": "daily", "until": "2020-01-01"}})
    assert list(response.json()["errors"]) == ["recurrence.until"]


def test_delete_cancels_and_the_event_stays_readable(api, refs):
    created = api.create("/events", event_body(refs))
    path = f"/events/{created['id']}"
    response = api.delete(path)
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "cancelled"
    assert response.json()["data"]["id"] == created["id"]
    assert api.get(path).json()["data"]["status"] == "cancelled"
    again = api.delete(path)
    assert again.status_code == 200
    assert again.json()["data"] == api.get(path).json()["data"]
    listed = api.get("/events").json()["data"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert api.get("/events", params={"status": "cancelled"}).json()["meta"]["total"] == 1


def test_status_cancelled_through_put_is_a_cancellation(api, refs):
    created = api.create("/events", event_body(refs))
    body = {"status": "cancelled", "cancellation_reason": "Client is ill"}
    changed = api.put(f"/events/{created['id']}", body).json()["data"]
    assert changed["status"] == "cancelled"
    assert changed["cancellation_reason"] == "Client is ill"
    assert api.get(f"/events/{created['id']}").json()["data"]["status"] == "cancelled"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("PUT", ""), ("DELETE", ""), ("GET", "/occurrences")],
)
def test_another_teams_event_is_404_like_a_missing_one(api, make_api, method, suffix):
    other = make_api()
    event_type = other.create(
        "/event-types", {"name": "T", "slug": "t", "kind": "one_on_one", "duration_minutes": 30}
    )
    theirs = other.create(
        "/events", {"event_type_id": event_type["id"], "starts_at": "2026-03-16T09:00:00Z"}
    )
    kwargs = {"json": {"title": "Mine now"}} if method == "PUT" else {}
    for event_id in (theirs["id"], 987654):
        response = api.request(method, f"/events/{event_id}{suffix}", **kwargs)
        assert response.status_code == 404, response.text
        assert set(response.json()) == {"message"}
    unchanged = other.get(f"/events/{theirs['id']}").json()["data"]
    assert unchanged == theirs


def test_lists_show_only_the_teams_events(api, make_api, refs):
    mine = api.create("/events", event_body(refs))
    other = make_api()
    event_type = other.create(
        "/event-types", {"name": "T", "slug": "t", "kind": "one_on_one", "duration_minutes": 30}
    )
    other.create(
        "/events", {"event_type_id": event_type["id"], "starts_at": "2026-03-16T09:00:00Z"}
    )
    assert [e["id"] for e in all_pages(api, "/events")] == [mine["id"]]
    response = api.get("/events", params={"event_type_id": event_type["id"]})
    assert response.json()["data"] == []


def test_scopes_are_enforced(make_api, client):
    reader = make_api(scopes=["events:read"])
    assert reader.get("/events").status_code == 200
    response = reader.post("/events", {"event_type_id": 1, "starts_at": "2026-03-16T09:00:00Z"})
    assert response.status_code == 403
    assert reader.delete("/events/1").status_code == 403
    writer_only = make_api(scopes=["events:write"])
    assert writer_only.get("/events").status_code == 403
    assert writer_only.get("/events/1/occurrences").status_code == 403


@pytest.fixture
def population(api, refs) -> list[dict]:
    """Twelve events with ties on starts_at, mixed statuses, references and texts."""
    other_type = api.create(
        "/event-types",
        {"name": "Group", "slug": "group", "kind": "collective", "duration_minutes": 60},
    )
    starts = [
        "2026-02-28T23:30:00Z",
        "2026-03-01T00:00:00Z",
        "2026-03-01T00:00:00Z",
        "2026-03-01T09:00:00+01:00",
        "2026-03-15T12:00:00Z",
        "2026-03-31T23:59:59Z",
        "2026-04-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
        "2026-04-10T10:00:00-04:00",
        "2026-05-01T08:00:00Z",
        "2026-01-01T00:00:00Z",
        "2026-03-01T00:00:00Z",
    ]
    titles = ["Knee", "knee REHAB", "Shoulder", "Back", "Café crème", "Hip", "%", "a_b"]
    created = []
    for i, starts_at in enumerate(starts):
        body = {
            "event_type_id": (refs["event_type"] if i % 3 else other_type)["id"],
            "starts_at": starts_at,
            "title": titles[i % len(titles)],
            "notes": [None, "Left knee pain", "bring shoes", "CAFÉ"][i % 4],
            "client_id": [None, *[c["id"] for c in refs["clients"]]][i % 3],
            "location_id": refs["location"]["id"] if i % 2 else None,
            "status": "pending" if i % 4 == 0 else "confirmed",
        }
        created.append(api.create("/events", body))
    api.delete(f"/events/{created[5]['id']}")
    api.put(f"/events/{created[6]['id']}", {"status": "completed"})
    api.put(f"/events/{created[7]['id']}", {"status": "no_show"})
    return [api.get(f"/events/{e['id']}").json()["data"] for e in created]


def test_walking_every_page_yields_each_event_once_in_order(api, population):
    for per_page in (1, 4, 5, 100):
        walked = all_pages(api, "/events", per_page=per_page)
        assert len(walked) == len(population)
        assert [e["id"] for e in walked] == [
            e["id"] for e in sorted(population, key=sort_key(LIST_EVENTS.ordering))
        ]


def candidate_values(items: list[dict], spec_filter) -> list[str]:
    return filter_values(
        items,
        spec_filter,
        search=["knee", "KNEE", "café", "%", "_", "e", "nothing"],
        bounds=[
            "2026-03-01",
            "2026-03-01T00:00:00Z",
            "2026-03-01T09:00:00+01:00",
            "2026-03-01T08:00:01+00:00",
            "2026-04-01",
            "2030-01-01",
        ],
    )


@pytest.mark.parametrize(
    "param",
    [f.name for f in LIST_EVENTS.filters],
)
def test_every_filter_keeps_exactly_the_matching_events(api, population, param):
    spec_filter = next(f for f in LIST_EVENTS.filters if f.name == param)
    values = candidate_values(population, spec_filter)
    assert_filter_keeps_exactly(
        api, "/events", population, LIST_EVENTS.ordering, spec_filter, values
    )


def test_filters_combine_with_and(api, population):
    expected_order = sorted(population, key=sort_key(LIST_EVENTS.ordering))
    for first, second in itertools.combinations(LIST_EVENTS.filters, 2):
        a = candidate_values(population, first)[0]
        b = candidate_values(population, second)[1]
        got = [e["id"] for e in all_pages(api, "/events", {first.name: a, second.name: b})]
        expected = [e["id"] for e in expected_order if keeps(e, first, a) and keeps(e, second, b)]
        assert got == expected, (first.name, a, second.name, b)


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-04-01&to=2026-03-01",
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-03-01T10:00:00",
    ],
    ids=["from-after-to", "not-a-date", "bad-month", "date-time-without-offset"],
)
def test_bad_date_bounds_are_400(api, query):
    response = api.get(f"/events?{query}")
    assert response.status_code == 400, response.text
    assert set(response.json()["errors"]) <= {"from", "to"}


@pytest.mark.parametrize("query", ["status=unknown", "event_type_id=abc", "client_id=0", "search="])
def test_bad_filter_values_are_400(api, query):
    response = api.get(f"/events?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [query.split("=")[0]]
