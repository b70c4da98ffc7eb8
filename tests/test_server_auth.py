"""Authentication and scopes: Sanctum tokens, revocation, and the scope of every operation."""

from __future__ import annotations

import hashlib
import re
import zlib

import pytest
from schedulingkit.impl.data.models.platform import ApiToken
from schedulingkit.impl.data.tokens import revoke_token
from schedulingkit.openapi.contract import load_contract
from sqlalchemy import select

DOCUMENT = load_contract()
OPERATIONS = sorted(DOCUMENT.operations, key=lambda op: (op.path, op.method))
ALL_SCOPES = sorted({scope for op in OPERATIONS for scope in op.scopes})
MISSING_ID = 987654321


def request_for(client, op, headers):
    """A request to `op` (ids that do not exist, empty bodies): enough to pass or fail auth."""
    path = DOCUMENT.base_path + op.path.replace("{id}", str(MISSING_ID))
    kwargs = {"headers": headers}
    if op.method in ("POST", "PUT"):
        kwargs["json"] = {}
    return client.request(op.method, path, **kwargs)


def test_the_document_has_39_operations_each_with_scopes():
    assert len(OPERATIONS) == 39
    assert all(op.scopes and op.secured for op in OPERATIONS)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_scope_matrix(client, make_team, make_token, auth, op):
    team_id, _ = make_team(scopes=["team:read"])
    without = make_token(team_id, [s for s in ALL_SCOPES if s not in op.scopes])
    refused = request_for(client, op, auth(without))
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/json"
    assert set(refused.json()) == {"message"}
    assert "X-RateLimit-Limit" in refused.headers

    exactly = make_token(team_id, list(op.scopes))
    allowed = request_for(client, op, auth(exactly))
    assert allowed.status_code not in (401, 403), allowed.text
    wildcard = make_token(team_id, ["*"])
    assert request_for(client, op, auth(wildcard)).status_code not in (401, 403)


def test_token_has_sanctum_format_and_only_its_hash_is_stored(app, team):
    team_id, token = team
    match = re.fullmatch(r"(\d+)\|([A-Za-z0-9]{40})([0-9a-f]{8})", token)
    assert match, token
    token_id, entropy, checksum = int(match[1]), match[2], match[3]
    assert checksum == format(zlib.crc32(entropy.encode()) & 0xFFFFFFFF, "08x")
    with app.database.system_session() as session:
        row = session.get(ApiToken, token_id)
        assert row.team_id == team_id
        assert row.token_hash == hashlib.sha256((entropy + checksum).encode()).hexdigest()
        assert row.scopes == ["*"]
        stored = session.execute(select(ApiToken.__table__)).all()
        assert not any(entropy in str(value) for record in stored for value in record)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-token",
        "Bearer 1|short",
        "Bearer 999999|" + "a" * 40 + "00000000",
    ],
)
def test_missing_malformed_or_unknown_tokens_are_401(client, header):
    headers = {"Accept": "application/json"}
    if header:
        headers["Authorization"] = header
    response = client.get("/api/v1/team", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "X-RateLimit-Limit" not in response.headers


def test_a_tampered_secret_is_401(client, team, auth):
    _, token = team
    tampered = token[:-9] + ("A" if token[-9] != "A" else "B") + token[-8:]
    assert client.get("/api/v1/team", headers=auth(tampered)).status_code == 401
    other_id = token.replace(token.split("|")[0], str(int(token.split("|")[0]) + 100000), 1)
    assert client.get("/api/v1/team", headers=auth(other_id)).status_code == 401


def test_revocation_takes_effect_on_the_next_request(app, client, team, auth):
    _, token = team
    assert client.get("/api/v1/team", headers=auth(token)).status_code == 200
    with app.database.system_session() as session:
        revoke_token(session, int(token.split("|")[0]))
    response = client.get("/api/v1/team", headers=auth(token))
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


def test_authentication_comes_before_validation_and_lookups(client, make_team, auth):
    bad_body = client.post("/api/v1/clients", json={"nope": 1})
    assert bad_body.status_code == 401
    bad_param = client.get("/api/v1/clients?per_page=500")
    assert bad_param.status_code == 401
    bad_path = client.get("/api/v1/clients/abc")
    assert bad_path.status_code == 401
    _, reader = make_team(scopes=["clients:read"])
    forbidden = client.post("/api/v1/clients", json={"nope": 1}, headers=auth(reader))
    assert forbidden.status_code == 403
    assert client.get("/api/v1/clients/abc", headers=auth(reader)).status_code == 400


def test_read_scope_does_not_grant_write(client, make_team, auth):
    _, token = make_team(scopes=["taxes:read"])
    assert client.get("/api/v1/taxes", headers=auth(token)).status_code == 200
    response = client.post("/api/v1/taxes", json={"name": "VAT", "rate": "20"}, headers=auth(token))
    assert response.status_code == 403
    assert "taxes:write" in response.json()["message"]
