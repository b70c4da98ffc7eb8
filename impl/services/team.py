"""The token's own team: read and partial update; `create_team` for the CLI."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, aliased

from ..data.db import TEAM_PARAM, TeamConnection
from ..data.models.platform import Team
from ..domain.errors import NotFound
from .common import Rules, changes, present, row_serializer, violation_is_422, wire_columns

FIELDS = ("name", "slug", "timezone", "currency", "invoice_prefix")
SLUG_TAKEN = "The slug has already been taken."

COLUMNS = wire_columns(Team, ("id", *FIELDS, "created_at", "updated_at"))
serialize = row_serializer(COLUMNS)

# `teams` is not a team-scoped table: the caller's team is named by its id, the parameter
# every statement of a `TeamConnection` carries.
_other = aliased(Team)
_OWN = select(*COLUMNS).where(Team.id == bindparam(TEAM_PARAM))
_LOCKED_WITH_SLUG = _OWN.with_for_update(of=Team).add_columns(
    select(_other.id)
    .where(_other.slug == bindparam("slug"), _other.id != bindparam(TEAM_PARAM))
    .exists()
    .label("slug_taken")
)
_UPDATE = update(Team).where(Team.id == bindparam(TEAM_PARAM)).returning(*COLUMNS)


async def get_team(db: TeamConnection) -> dict[str, Any]:
    row = await db.first(_OWN)
    if row is None:  # deleted while its token was in flight
        raise NotFound()
    return serialize(row)


async def update_team(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    rules = Rules()
    rules.timezone("timezone", body.get("timezone"))
    async with db.transaction():
        current = await db.first(_LOCKED_WITH_SLUG, {"slug": body.get("slug")})
        if current is None:
            raise NotFound()
        if "slug" in body and current.slug_taken:
            rules.fail("slug", SLUG_TAKEN)
        rules.check()
        changed = changes(current._mapping, present(body, FIELDS))
        if not changed:
            return serialize(current)
        # a slug taken by another team at the same moment: the unique key decides
        async with violation_is_422("slug", SLUG_TAKEN):
            return serialize(await db.first(_UPDATE, changed))


def slugify(name: str) -> str:
    """A URL-safe slug (`^[a-z0-9]+(?:-[a-z0-9]+)*$`) from a display name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:90] or "team"


def create_team(
    session: Session,
    name: str,
    *,
    timezone: str = "UTC",
    currency: str = "USD",
    invoice_prefix: str = "INV-",
) -> Team:
    """A new team (platform operation: run in a system session, not a team session)."""
    rules = Rules()
    if not name.strip():
        rules.fail("name", "The name field is required.")
    rules.timezone("timezone", timezone)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        rules.fail("currency", "The currency field format is invalid.")
    rules.check()
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Team.id).where(Team.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    team = Team(
        name=name.strip(),
        slug=slug,
        timezone=timezone,
        currency=currency,
        invoice_prefix=invoice_prefix,
    )
    session.add(team)
    session.flush()
    return team
