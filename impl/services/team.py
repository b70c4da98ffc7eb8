"""The token's own team: read and partial update."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models.platform import Team
from .common import Rules, assign, current_team, iso

FIELDS = ("name", "slug", "timezone", "currency", "invoice_prefix")


def serialize(team: Team) -> dict[str, Any]:
    return {
        "id": team.id,
        "name": team.name,
        "slug": team.slug,
        "timezone": team.timezone,
        "currency": team.currency,
        "invoice_prefix": team.invoice_prefix,
        "created_at": iso(team.created_at),
        "updated_at": iso(team.updated_at),
    }


def get_team(session: Session) -> dict[str, Any]:
    return serialize(current_team(session))


def update_team(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    team = current_team(session)
    rules = Rules()
    rules.timezone("timezone", body.get("timezone"))
    if "slug" in body and body["slug"] != team.slug:
        taken = session.scalar(select(Team.id).where(Team.slug == body["slug"], Team.id != team.id))
        if taken is not None:
            rules.fail("slug", "The slug has already been taken.")
    rules.check()
    assign(team, body, FIELDS)
    session.flush()
    return serialize(team)


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
