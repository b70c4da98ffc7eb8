"""Event types: CRUD, slug uniqueness per team, the group rule, currency default."""

from __future__ import annotations

import pytest

INTRO = {"name": "Intro call", "slug": "intro-call", "kind": "one_on_one", "duration_minutes": 30}


def test_create_fills_defaults_and_team_currency(make_api):
    api = make_api(currency="EUR")
    created = api.create("/event-types", INTRO)
    assert created["currency"] == "EUR"
    assert created["price"] == 0
    assert created["buffer_before_minutes"] == created["buffer_after_minutes"] == 0
    assert created["is_active"] is True
    assert created["color"] == "#3B82F6"
    assert created["max_attendees"] is None
    assert created["description"] is None
    fetched = api.get(f"/event-types/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["data"] == created


def test_explicit_currency_is_kept(api):
    assert api.create("/event-types", {**INTRO, "currency": "JPY"})["currency"] == "JPY"


def test_slug_is_unique_per_team_only(api, make_api):
    api.create("/event-types", INTRO)
    again = api.post("/event-types", {**INTRO, "name": "Other"})
    assert again.status_code == 422
    assert again.json()["errors"] == {"slug": ["The slug has already been taken."]}
    assert make_api().post("/event-types", INTRO).status_code == 201


def test_update_to_a_taken_slug_is_422(api):
    api.create("/event-types", INTRO)
    second = api.create("/event-types", {**INTRO, "slug": "second"})
    response = api.put(f"/event-types/{second['id']}", {"slug": "intro-call"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["slug"]
    same = api.put(f"/event-types/{second['id']}", {"slug": "second", "name": "Second"})
    assert same.status_code == 200


def test_group_needs_max_attendees_and_others_forbid_it(api):
    group = api.post("/event-types", {**INTRO, "kind": "group"})
    assert group.status_code == 422
    assert list(group.json()["errors"]) == ["max_attendees"]
    solo = api.post("/event-types", {**INTRO, "max_attendees": 5})
    assert solo.status_code == 422
    ok = api.create("/event-types", {**INTRO, "kind": "group", "max_attendees": 8})
    assert ok["max_attendees"] == 8
    switch = api.put(f"/event-types/{ok['id']}", {"kind": "one_on_one"})
    assert switch.status_code == 422
    both = api.put(f"/event-types/{ok['id']}", {"kind": "one_on_one", "max_attendees": None})
    assert both.status_code == 200
    assert both.json()["data"]["max_attendees"] is None


def test_put_is_partial_and_rejects_read_only_fields(api):
    created = api.create("/event-types", {**INTRO, "price": 5000, "description": "Hello"})
    response = api.put(f"/event-types/{created['id']}", {"price": 7500})
    assert response.status_code == 200
    updated = response.json()["data"]
    assert updated["price"] == 7500
    assert updated["description"] == "Hello"
    assert updated["name"] == INTRO["name"]
    for field in ("id", "created_at", "updated_at"):
        refused = api.put(f"/event-types/{created['id']}", {field: 1})
        assert refused.status_code == 422
        assert list(refused.json()["errors"]) == [field]


def test_delete_then_404(api):
    created = api.create("/event-types", INTRO)
    assert api.delete(f"/event-types/{created['id']}").status_code == 204
    assert api.get(f"/event-types/{created['id']}").status_code == 404
    assert api.delete(f"/event-types/{created['id']}").status_code == 404
    assert api.put(f"/event-types/{created['id']}", {"name": "x"}).status_code == 404


def test_delete_in_use_by_a_workflow_is_422(api):
    created = api.create("/event-types", INTRO)
    api.create(
        "/workflows",
        {
            "name": "Confirm",
            "trigger": "event_scheduled",
            "event_type_id": created["id"],
            "actions": [{"type": "sms", "body": "Booked"}],
        },
    )
    response = api.delete(f"/event-types/{created['id']}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["id"]
    assert api.get(f"/event-types/{created['id']}").status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_minutes", 1441),
        ("buffer_before_minutes", -1),
        ("price", 100000000001),
        ("color", "#12345"),
        ("currency", "EURO"),
        ("slug", "-bad"),
        ("kind", "webinar"),
        ("is_active", "yes"),
        ("name", ""),
    ],
)
def test_schema_violations_are_422_on_the_field(api, field, value):
    response = api.post("/event-types", {**INTRO, field: value})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
