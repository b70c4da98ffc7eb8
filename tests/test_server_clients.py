"""Clients: CRUD, tags, address, time zone default and validation."""

from __future__ import annotations

ADA = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0018",
    "tags": ["vip", "newsletter"],
    "address": {"line1": "12 St James's Square", "city": "London", "country": "GB"},
}


def test_create_and_get(make_api):
    api = make_api(timezone="Europe/Paris")
    created = api.create("/clients", ADA)
    assert created["timezone"] == "Europe/Paris"
    assert created["tags"] == ["vip", "newsletter"]
    assert created["address"] == ADA["address"]
    assert created["notes"] is None
    assert api.get(f"/clients/{created['id']}").json()["data"] == created


def test_minimal_client(api):
    created = api.create("/clients", {"name": "Bob"})
    assert (created["email"], created["phone"], created["tags"], created["address"]) == (
        None,
        None,
        [],
        None,
    )


def test_put_replaces_tags_and_address_as_a_whole(api):
    created = api.create("/clients", ADA)
    response = api.put(
        f"/clients/{created['id']}", {"tags": ["newsletter", "referral"], "address": None}
    )
    assert response.status_code == 200
    updated = response.json()["data"]
    assert updated["tags"] == ["newsletter", "referral"]
    assert updated["address"] is None
    assert updated["email"] == ADA["email"]
    again = api.put(f"/clients/{created['id']}", {"name": "Ada King"}).json()["data"]
    assert again["tags"] == ["newsletter", "referral"]


def test_invalid_fields_are_422(api):
    response = api.post(
        "/clients",
        {
            "name": "X",
            "email": "not-an-email",
            "timezone": "Europe/Atlantis",
            "tags": ["a", "a"],
            "address": {"city": "Paris", "zip": "75001"},
        },
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"email", "tags", "address.zip"}
    tz = api.post("/clients", {"name": "X", "timezone": "Europe/Atlantis"})
    assert tz.json()["errors"] == {"timezone": ["The timezone field must be a valid timezone."]}


def test_delete_then_404(api):
    created = api.create("/clients", ADA)
    assert api.delete(f"/clients/{created['id']}").status_code == 204
    assert api.get(f"/clients/{created['id']}").status_code == 404
