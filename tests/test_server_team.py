"""GET/PUT /team: the token's own team."""

from __future__ import annotations


def test_get_team_returns_the_tokens_team(make_api):
    api = make_api(name="Harley Physio", timezone="Europe/London", currency="GBP")
    response = api.get("/team")
    assert response.status_code == 200
    team = response.json()["data"]
    assert team["id"] == api.team_id
    assert team["name"] == "Harley Physio"
    assert team["slug"].startswith("harley-physio")
    assert (team["timezone"], team["currency"], team["invoice_prefix"]) == (
        "Europe/London",
        "GBP",
        "INV-",
    )
    assert team["created_at"].endswith("Z")


def test_put_team_is_partial(api):
    before = api.get("/team").json()["data"]
    response = api.put("/team", {"name": "Renamed", "invoice_prefix": "RN-"})
    assert response.status_code == 200
    after = response.json()["data"]
    assert after["name"] == "Renamed"
    assert after["invoice_prefix"] == "RN-"
    assert after["slug"] == before["slug"]
    assert after["timezone"] == before["timezone"]
    assert api.get("/team").json()["data"] == after


def test_put_team_validates_timezone_slug_and_read_only_fields(api, make_api):
    other = make_api().get("/team").json()["data"]
    response = api.put(
        "/team",
        {"timezone": "Mars/Olympus_Mons", "slug": other["slug"], "id": 5, "currency": "eur"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"id", "currency"}  # schema errors come first, in one answer
    response = api.put("/team", {"timezone": "Mars/Olympus_Mons", "slug": other["slug"]})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "timezone": ["The timezone field must be a valid timezone."],
        "slug": ["The slug has already been taken."],
    }
    assert api.put("/team", {"timezone": "America/Argentina/Buenos_Aires"}).status_code == 200
