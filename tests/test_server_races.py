"""Concurrent writes to the same row, or racing for the same unique value, answer 200, 201,
204, 404 or 422, never 500, on both backends; and what they leave is one writer's whole
change, never a mix.

32 writers at once against a real uvicorn with two worker processes: an update reads its
row `FOR UPDATE` (SQLite: `BEGIN IMMEDIATE`), so writers of one row queue; a unique value
taken by a concurrent writer is the unique key's to refuse, and that refusal is a 422.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import httpx
import pytest
from conftest import make_team_and_token
from live_server import uvicorn_server

WRITERS = 32


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory) -> Iterator[str]:
    # 32 writers of one row queue for its lock, one transaction after another: on this
    # 2-core machine the last can wait longer than the default deadline (0.75 s) for its
    # turn, which would answer 503 (tests/test_server_dependencies.py). Races are about what
    # the writers get and leave, so the deadline here is a deployment's longer one.
    settings = {
        "SCHEDULINGKIT_DATABASE_URL": database_url,
        "SCHEDULINGKIT_RATE_LIMIT": "1000000/minute",
        "SCHEDULINGKIT_DATABASE_TIMEOUT": "10",
    }
    log = tmp_path_factory.mktemp("races") / "server.log"
    with uvicorn_server(settings, log, workers=2) as base:
        yield f"{base}/api/v1"


def together(requests: list[tuple[str, str, str, dict | None]], base: str) -> list[httpx.Response]:
    """Send every (method, path, token, body) at once, each on a connection of its own."""

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests))
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            return await asyncio.gather(
                *(
                    client.request(method, path, json=body, headers=_headers(token))
                    for method, path, token, body in requests
                )
            )

    return asyncio.run(run())


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _create(base: str, token: str, path: str, body: dict) -> dict:
    response = httpx.post(base + path, json=body, headers=_headers(token), timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_concurrent_tag_changes_of_one_client_leave_one_writers_tags(server, app):
    _team, token = make_team_and_token(app)
    client = _create(server, token, "/clients", {"name": "Ada", "tags": ["a", "b"]})
    wanted = [[f"w{i}", "shared", f"x{i}"] for i in range(WRITERS)]
    responses = together(
        [("PUT", f"/clients/{client['id']}", token, {"tags": tags}) for tags in wanted], server
    )
    assert [r.status_code for r in responses] == [200] * WRITERS, [r.text for r in responses]
    final = httpx.get(f"{server}/clients/{client['id']}", headers=_headers(token)).json()
    assert final["data"]["tags"] in wanted
    for response, tags in zip(responses, wanted, strict=True):
        assert response.json()["data"]["tags"] == tags


def test_teams_racing_for_one_slug_get_one_200_and_422s(server, app):
    tokens = [make_team_and_token(app)[1] for _ in range(WRITERS)]
    slug = f"taken-{secrets.token_hex(4)}"
    responses = together([("PUT", "/team", token, {"slug": slug}) for token in tokens], server)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [422] * (WRITERS - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 422:
            assert response.json()["errors"] == {"slug": ["The slug has already been taken."]}


def test_one_slug_created_at_once_in_one_team_is_created_once(server, app):
    _team, token = make_team_and_token(app)
    body = {"name": "Call", "slug": "call", "kind": "one_on_one", "duration_minutes": 30}
    responses = together([("POST", "/event-types", token, body)] * WRITERS, server)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * (WRITERS - 1), [r.text for r in responses]
    listed = httpx.get(f"{server}/event-types", headers=_headers(token)).json()
    assert listed["meta"]["total"] == 1


def test_updates_and_deletes_of_one_row_at_once(server, app):
    _team, token = make_team_and_token(app)
    location = _create(server, token, "/locations", {"name": "Room", "kind": "in_person"})
    path = f"/locations/{location['id']}"
    requests = [
        ("PUT", path, token, {"name": f"Room {i}"}) if i % 2 else ("DELETE", path, token, None)
        for i in range(WRITERS)
    ]
    responses = together(requests, server)
    assert {r.status_code for r in responses} <= {200, 204, 404}, [r.text for r in responses]
    assert sum(r.status_code == 204 for r in responses) == 1
    assert httpx.get(server + path, headers=_headers(token)).status_code == 404


def test_concurrent_payments_of_one_invoice_record_one_payment(server, app):
    _team, token = make_team_and_token(app)
    client = _create(server, token, "/clients", {"name": "Ada"})
    item = {"description": "Session", "quantity": 1, "unit_amount": 6000, "tax_ids": []}
    body = {"client_id": client["id"], "items": [item], "status": "sent"}
    invoice = _create(server, token, "/invoices", body)
    responses = together(
        [("PUT", f"/invoices/{invoice['id']}", token, {"status": "paid"})] * WRITERS, server
    )
    assert {r.status_code for r in responses} <= {200, 422}, [r.text for r in responses]
    assert 200 in {r.status_code for r in responses}
    payments = httpx.get(
        f"{server}/transactions", params={"invoice_id": invoice["id"]}, headers=_headers(token)
    ).json()
    assert [(t["type"], t["amount"]) for t in payments["data"]] == [("payment", 6000)]
