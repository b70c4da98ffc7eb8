"""Locations: CRUD and time zone default."""

from __future__ import annotations


def test_create_update_delete(make_api):
    api = make_api(timezone="America/New_York")
    created = api.create(
        "/locations", {"name": "Video room", "kind": "video", "url": "https://meet.example/x"}
    )
    assert created["timezone"] == "America/New_York"
    assert created["is_active"] is True
    assert created["address"] is None
    response = api.put(f"/locations/{created['id']}", {"is_active": False, "timezone": "UTC"})
    assert response.status_code == 200
    updated = response.json()["data"]
    assert (updated["is_active"], updated["timezone"], updated["url"]) == (
        False,
        "UTC",
        "https://meet.example/x",
    )
    assert api.delete(f"/locations/{created['id']}").status_code == 204
    assert api.get(f"/locations/{created['id']}").status_code == 404


def test_invalid_location_is_422(api):
    response = api.post(
        "/locations",
        {"name": "", "kind": "teleport", "url": "not a url", "phone": "call me"},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"name", "kind", "url", "phone"}
    tz = api.post("/locations", {"name": "Room", "kind": "in_person", "timezone": "Nowhere"})
    assert tz.status_code == 422
    assert list(tz.json()["errors"]) == ["timezone"]
