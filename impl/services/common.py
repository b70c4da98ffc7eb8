"""Helpers every service uses: lookups that answer 404, business-rule errors, formatting."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import TEAM_KEY
from ..errors import NotFound, ValidationFailed
from ..models.platform import Team

Model = TypeVar("Model")


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with `Z`, to the second (the wire format of every timestamp)."""
    if moment is None:
        return None
    # isoformat, not strftime("%Y"): glibc writes year 347 as "347", RFC 3339 needs "0347"
    if moment.tzinfo is UTC and not moment.microsecond:  # what UTCDateTime reads back
        return moment.isoformat()[:-6] + "Z"  # "+00:00" -> "Z"
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def team_id_of(session: Session) -> int:
    return session.info[TEAM_KEY]


def current_team(session: Session) -> Team:
    """The team the session is scoped to (whose defaults new records take)."""
    team = session.get(Team, team_id_of(session))
    if team is None:
        raise NotFound()
    return team


def get_or_404(session: Session, model: type[Model], id_: int) -> Model:
    """A row of the session's team by id; another team's id is as unknown as a missing one."""
    row = session.get(model, id_)
    if row is None:
        raise missing(model, id_)
    return row


def missing(model: type, id_: int) -> NotFound:
    """The 404 of an id that names no row of the caller's team."""
    return NotFound(f"No {_label(model)} with id {id_}.")


def _label(model: type) -> str:
    return getattr(model, "__label__", model.__tablename__.removesuffix("s").replace("_", " "))


def assign(row: Any, body: Mapping[str, Any], names: Iterable[str]) -> None:
    """Copy the given fields of a validated body onto a row (absent fields keep their value)."""
    for name in names:
        if name in body:
            setattr(row, name, body[name])


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class Rules:
    """Collects business-rule failures and raises them together as one 422."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def timezone(self, field: str, value: str | None) -> None:
        if value is not None and value not in known_timezones():
            self.fail(field, f"The {field} field must be a valid timezone.")

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def flush_unique(session: Session, field: str, message: str) -> None:
    """Flush; a unique constraint lost to a concurrent request is a 422 on `field`."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise ValidationFailed({field: [message]}) from exc


def delete_row(session: Session, row: Any, in_use_message: str) -> None:
    """Delete a row now; a row that others still refer to is a 422, not a 500."""
    try:
        with session.begin_nested():
            session.delete(row)
            session.flush()
    except IntegrityError as exc:
        raise ValidationFailed({"id": [in_use_message]}) from exc
