"""Sanctum-format API tokens: `{id}|{40 random [A-Za-z0-9]}{crc32b hex of those 40}`.

Only the SHA-256 of the part after `|` is stored; a presented token is found by id and its
hash compared in constant time, so neither the database nor timing reveals a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import zlib
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from .db import DEFAULT_COLUMNS, Database, TeamDefaults
from .models.base import utcnow
from .models.platform import ApiToken, Team

WILDCARD = "*"
ALPHABET = string.ascii_letters + string.digits
TOKEN_PATTERN = re.compile(r"^(\d{1,18})\|([A-Za-z0-9]{40})([0-9a-f]{8})$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved from a valid token."""

    token_id: int
    team: TeamDefaults
    scopes: frozenset[str]

    @property
    def team_id(self) -> int:
        return self.team.id

    def can(self, scope: str) -> bool:
        return WILDCARD in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plaintext: str


def _secret() -> str:
    entropy = "".join(secrets.choice(ALPHABET) for _ in range(40))
    return entropy + format(zlib.crc32(entropy.encode()) & 0xFFFFFFFF, "08x")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session, team_id: int, name: str, scopes: list[str] | None = None
) -> NewToken:
    """Create a token for a team; the plaintext is returned once and never stored."""
    if session.get(Team, team_id) is None:
        raise LookupError(f"no team with id {team_id}")
    secret = _secret()
    token = ApiToken(
        team_id=team_id,
        name=name,
        token_hash=hash_secret(secret),
        scopes=sorted(set(scopes)) if scopes else [WILDCARD],
    )
    session.add(token)
    session.flush()
    return NewToken(token=token, plaintext=f"{token.id}|{secret}")


# Built once: every authenticated request runs it, and only the bound id changes. The team's
# defaults come in the same row, so a write that needs them costs no round trip of its own.
_TOKEN_BY_ID = (
    select(
        ApiToken.team_id,
        ApiToken.token_hash,
        ApiToken.scopes,
        ApiToken.revoked_at,
        *DEFAULT_COLUMNS,
    )
    .join(Team, Team.id == ApiToken.team_id)
    .where(ApiToken.id == bindparam("token_id"))
)


async def authenticate(
    database: Database, connection: AsyncConnection, presented: str
) -> Principal | None:
    """The principal of a valid, unrevoked token, or None."""
    match = TOKEN_PATTERN.match(presented)
    if match is None:
        return None
    token_id, entropy, checksum = int(match[1]), match[2], match[3]
    result = await database.execute(connection, _TOKEN_BY_ID, {"token_id": token_id})
    row = result.first()
    expected = row[1] if row is not None else hash_secret("")
    presented_hash = hash_secret(entropy + checksum)
    if not hmac.compare_digest(expected, presented_hash) or row is None:
        return None
    team_id, _hash, scopes, revoked, *defaults = row
    if revoked is not None:
        return None
    return Principal(
        token_id=token_id, team=TeamDefaults(team_id, *defaults), scopes=frozenset(scopes)
    )


def list_tokens(session: Session, team_id: int) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.team_id == team_id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke now; the next request with this token is 401."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise LookupError(f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
