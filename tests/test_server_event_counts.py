"""The per-team event count (migration 0003's triggers) that unfiltered `GET /events` reads:
it must stay exactly what COUNT(*) would say, per team, through every way rows change."""

from __future__ import annotations

from schedulingkit.impl.data.models.bookings import Event, team_event_counts
from sqlalchemy import func, select, text


def make_event_type(api) -> int:
    body = {"name": "Visit", "slug": "visit", "kind": "one_on_one", "duration_minutes": 30}
    return api.create("/event-types", body)["id"]


def book(api, event_type_id: int, day: int, **fields) -> dict:
    body = {"event_type_id": event_type_id, "starts_at": f"2026-03-{day:02d}T09:00:00Z"}
    return api.create("/events", body | fields)


def listed_total(api, **params) -> int:
    response = api.get("/events", params={"per_page": 2, **params})
    assert response.status_code == 200
    return response.json()["meta"]["total"]


def stored(app, team_id: int) -> tuple[int | None, int]:
    """(the trigger-kept count, COUNT(*) of the team's events), read without team scoping."""
    with app.database.sync_engine.connect() as connection:
        kept = connection.scalar(
            select(team_event_counts.c.n).where(team_event_counts.c.team_id == team_id)
        )
        counted = connection.scalar(
            select(func.count()).select_from(Event).where(Event.team_id == team_id)
        )
    return kept, counted


def test_a_new_team_lists_zero_events(api):
    assert listed_total(api) == 0
    assert api.get("/events").json()["meta"]["last_page"] == 1


def test_the_count_follows_creates_of_two_teams(app, make_api):
    ours, theirs = make_api(), make_api()
    our_type, their_type = make_event_type(ours), make_event_type(theirs)
    for day in range(1, 6):  # interleaved: each team's count moves only with its own events
        book(ours, our_type, day)
        assert listed_total(ours) == day
        if day % 2:
            book(theirs, their_type, day)
    assert listed_total(ours) == 5
    assert listed_total(theirs) == 3
    assert stored(app, ours.team_id) == (5, 5)
    assert stored(app, theirs.team_id) == (3, 3)
    last = ours.get("/events", params={"per_page": 2}).json()
    assert last["meta"]["last_page"] == 3
    assert len(ours.get("/events", params={"per_page": 2, "page": 3}).json()["data"]) == 1


def test_filtered_lists_still_count_exactly(make_api):
    api = make_api()
    event_type = make_event_type(api)
    client = api.create("/clients", {"name": "Ada"})
    events = [book(api, event_type, day) for day in range(1, 5)]
    book(api, event_type, 9, client_id=client["id"])
    assert api.delete(f"/events/{events[0]['id']}").status_code in (200, 204)
    assert listed_total(api) == 5  # a cancelled event is still an event
    assert listed_total(api, status="cancelled") == 1
    assert listed_total(api, client_id=client["id"]) == 1
    assert listed_total(api, **{"from": "2026-03-03"}) == 3
    assert listed_total(api, **{"from": "2026-03-03", "status": "confirmed"}) == 3


def test_deletes_and_moves_between_teams_are_counted(app, make_api):
    ours, theirs = make_api(), make_api()
    our_type, their_type = make_event_type(ours), make_event_type(theirs)
    mine = [book(ours, our_type, day)["id"] for day in range(1, 4)]
    book(theirs, their_type, 1)
    with app.database.sync_engine.begin() as connection:  # no API deletes events: SQL does here
        connection.execute(text("DELETE FROM events WHERE id = :id"), {"id": mine[0]})
        connection.execute(
            text("UPDATE events SET team_id = :team, event_type_id = :type WHERE id = :id"),
            {"team": theirs.team_id, "type": their_type, "id": mine[1]},
        )
    assert stored(app, ours.team_id) == (1, 1)
    assert stored(app, theirs.team_id) == (2, 2)
    assert listed_total(ours) == 1
    assert listed_total(theirs) == 2
