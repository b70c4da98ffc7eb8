"""The wire form of answers: JSON with its exact length, or nothing at all on a 204."""

from __future__ import annotations

import json


def test_json_answers_carry_their_length(api):
    created = api.post("/clients", {"name": "Ada", "tags": ["vip"]})
    listed = api.get("/clients?per_page=1")
    fetched = api.get(f"/clients/{created.json()['data']['id']}")
    for response in (created, listed, fetched):
        assert response.headers["content-type"] == "application/json"
        assert response.headers["content-length"] == str(len(response.content))
        json.loads(response.content)


def test_no_content_answers_have_no_body_and_no_content_type(api):
    client = api.create("/clients", {"name": "Gone soon"})
    response = api.delete(f"/clients/{client['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
