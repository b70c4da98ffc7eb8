"""Events (bookings), optionally recurring, and the occurrences their recurrence expands to.

Events are never deleted: `cancel_event` sets the status to `cancelled` and the event stays
readable. Occurrences are computed on request by `domain.recurrence` in the event's own time
zone, never stored.

For the seed command (and any caller with a `TeamConnection`):

- `create_event(db, body)` books an event; `body` is an `EventCreate` as the API takes it,
  e.g. ``{"event_type_id": 3, "client_id": 17, "starts_at": "2026-03-16T09:00:00+01:00",
  "timezone": "Europe/Paris", "recurrence": {"frequency": "weekly", "count": 10,
  "exclude_dates": ["2026-04-06"]}}``; it returns the event as the API answers it;
- `update_event(db, event_id, body)` and `cancel_event(db, event_id)` change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from ..data.db import TEAM_PARAM, TeamConnection
from ..data.listing import Listing, ListQuery, envelope, window
from ..data.models.bookings import Event, team_event_counts
from ..data.models.resources import Client, EventType, Location
from ..domain.recurrence import OccurrenceSeries, Recurrence, recurrence_errors
from .common import Rules, found, iso, present, violation_is_422, wire_columns

CANCELLED = "cancelled"

LIST_FIELDS = {
    "id": Event.id,
    "title": Event.title,
    "notes": Event.notes,
    "status": Event.status,
    "starts_at": Event.starts_at,
    "event_type_id": Event.event_type_id,
    "client_id": Event.client_id,
    "location_id": Event.location_id,
}

# Fields copied from a request body as they are (the others are parsed or checked first).
PLAIN_FIELDS = ("title", "status", "notes", "cancellation_reason")

REFERENCES = (
    ("event_type_id", EventType, "event type"),
    ("client_id", Client, "client"),
    ("location_id", Location, "location"),
)

# What an event is answered from, in the order of its schema (team_id is not one); the
# timestamps are read straight into their wire form.
KEYS = (
    "id",
    "event_type_id",
    "client_id",
    "location_id",
    "title",
    "starts_at",
    "ends_at",
    "timezone",
    "status",
    "notes",
    "cancellation_reason",
    "recurrence",
    "created_at",
    "updated_at",
)
COLUMNS = wire_columns(Event, KEYS)
# What the rules of an update compute with, beside the answered columns.
_INSTANTS = (Event.starts_at.label("start"), Event.ends_at.label("end"))


def serialize(row: Any) -> dict[str, Any]:
    """An event as the API answers it, from a row that starts with `COLUMNS`."""
    return dict(zip(KEYS, row, strict=False))


_BY_ID = select(*COLUMNS).where(Event.id == bindparam("event_id"))
_WITH_INSTANTS = select(*COLUMNS, *_INSTANTS).where(Event.id == bindparam("event_id"))
_KEPT_COUNT = select(team_event_counts.c.n).where(
    team_event_counts.c.team_id == bindparam(TEAM_PARAM)
)
_INSERT = insert(Event).returning(*COLUMNS)
_UPDATE = update(Event).where(Event.id == bindparam("event_id")).returning(*COLUMNS)
_CANCEL = (
    update(Event)
    .where(Event.id == bindparam("event_id"), Event.status != CANCELLED)
    .values(status=CANCELLED)
    .returning(*COLUMNS)
)


async def team_event_count(db: TeamConnection) -> int:
    """The team's events, from the trigger-kept `team_event_counts` (one row read, where
    COUNT(*) walks every event of the team)."""
    return await db.scalar(_KEPT_COUNT) or 0


LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize, kept_total=team_event_count)


async def list_events(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_event(db: TeamConnection, event_id: int) -> dict[str, Any]:
    return serialize(found(await db.first(_BY_ID, {"event_id": event_id}), Event, event_id))


async def create_event(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    """Book an event; defaults come from the event type (title, end) and the team (zone).

    One read (the references it names) and one INSERT: no transaction is needed, as the
    foreign keys refuse a reference deleted in between."""
    statement = _references_read(body, None)
    refs = (await db.first(statement, _reference_params(body))) if statement is not None else None
    values = _merged(body, None, refs, db.team.timezone)
    async with violation_is_422("event_type_id", "A referenced record no longer exists."):
        return serialize(await db.first(_INSERT, {"status": "confirmed", **values}))


async def update_event(db: TeamConnection, event_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Partial update; the merged event must satisfy the rules of a new one."""
    statement = _references_read(body, _WITH_INSTANTS.with_for_update(of=Event))
    async with db.transaction():
        params = {"event_id": event_id, **_reference_params(body)}
        current = found(await db.first(statement, params), Event, event_id)
        values = _merged(body, current._mapping, current, db.team.timezone)
        wanted = {k: v for k, v in values.items() if _stored(current, k) != v}
        if not wanted:
            return serialize(current)
        return serialize(await db.first(_UPDATE, {"event_id": event_id, **wanted}))


async def cancel_event(db: TeamConnection, event_id: int) -> dict[str, Any]:
    """Cancel (the DELETE of an event): idempotent, the event stays readable."""
    cancelled = await db.first(_CANCEL, {"event_id": event_id})
    if cancelled is not None:
        return serialize(cancelled)
    return await get_event(db, event_id)  # already cancelled, or not the team's


async def list_event_occurrences(
    db: TeamConnection, event_id: int, query: ListQuery
) -> dict[str, Any]:
    """One page of an event's occurrences in the window the `x-filter` bounds describe."""
    start, end = window(query, Event.starts_at)
    row = found(await db.first(_WITH_INSTANTS, {"event_id": event_id}), Event, event_id)
    series = OccurrenceSeries(row.start, row.end, row.timezone, _recurrence(row.recurrence))
    total = series.count(start, end)
    offset = (query.page - 1) * query.per_page
    page = series.page(offset, query.per_page, start, end) if offset < total else []
    data = [
        {
            "event_id": row.id,
            "starts_at": iso(occurrence.starts_at),
            "ends_at": iso(occurrence.ends_at),
            "local_starts_at": rfc3339_local(occurrence.local_starts_at),
            "timezone": row.timezone,
            "status": row.status,
        }
        for occurrence in page
    ]
    return envelope(data, total, query)


def rfc3339_local(moment: datetime) -> str:
    """A local date-time with its offset, as RFC 3339 allows it: whole minutes.

    Zones' historical local mean times have offsets in seconds (Paris before 1911:
    +00:09:21); the instant is kept and the offset rounded to the minute.
    """
    offset = moment.utcoffset() or timedelta(0)
    if offset.seconds % 60 == 0:
        return moment.isoformat(timespec="seconds")
    minutes = timedelta(minutes=round(offset.total_seconds() / 60))
    return moment.astimezone(dt_timezone(minutes)).isoformat(timespec="seconds")


# Each named reference, looked up in the caller's team: (label of the looked-up value, column).
_LOOKUPS: dict[str, tuple[tuple[str, ColumnElement[Any]], ...]] = {
    "event_type_id": (("type_name", EventType.name), ("type_minutes", EventType.duration_minutes)),
    "client_id": (("client_found", Client.id),),
    "location_id": (("location_found", Location.id),),
}
_MODELS = {field: model for field, model, _label in REFERENCES}
_references: dict[tuple[tuple[str, ...], bool], Select | None] = {}


def _references_read(body: Mapping[str, Any], base: Select | None) -> Select | None:
    """`base` (or a select of its own) with one scalar subquery per reference the body
    names: the event and everything it refers to, in one statement."""
    named = tuple(f for f, _m, _l in REFERENCES if body.get(f) is not None)
    key = (named, base is not None)
    if key not in _references:
        lookups = [
            select(column)
            .where(_MODELS[field].id == bindparam(f"ref_{field}"))
            .scalar_subquery()
            .label(label)
            for field in named
            for label, column in _LOOKUPS[field]
        ]
        if base is not None:
            _references[key] = base.add_columns(*lookups)
        else:
            _references[key] = select(*lookups) if lookups else None
    return _references[key]


def _reference_params(body: Mapping[str, Any]) -> dict[str, Any]:
    return {f"ref_{f}": body[f] for f, _m, _l in REFERENCES if body.get(f) is not None}


def _stored(current: Any, key: str) -> Any:
    """A column's stored value as `_merged` computes it (instants as datetimes)."""
    if key == "starts_at":
        return current.start
    if key == "ends_at":
        return current.end
    return getattr(current, key)


def _recurrence(stored: dict[str, Any] | None) -> Recurrence | None:
    """The domain rule from its stored form."""
    if stored is None:
        return None
    return Recurrence(
        frequency=stored["frequency"],
        interval=stored.get("interval", 1),
        by_weekday=tuple(stored.get("by_weekday") or ()),
        count=stored.get("count"),
        until=date.fromisoformat(stored["until"]) if stored.get("until") else None,
        exclude_dates=frozenset(date.fromisoformat(d) for d in stored.get("exclude_dates") or ()),
    )


def _normalized_recurrence(value: dict[str, Any]) -> dict[str, Any]:
    """The stored (and answered) form: every property present, defaults filled in."""
    return {
        "frequency": value["frequency"],
        "interval": value.get("interval", 1),
        "by_weekday": list(value.get("by_weekday") or []),
        "count": value.get("count"),
        "until": value.get("until"),
        "exclude_dates": list(value.get("exclude_dates") or []),
    }


def _representable(moment: datetime, timezone: str) -> bool:
    """Whether the instant has a local time in the zone (0001-01-01T05:00Z has none in
    America/New_York): occurrences are computed in local time."""
    try:
        moment.astimezone(ZoneInfo(timezone))
    except OverflowError:
        return False
    return True


def _instant(rules: Rules, field: str, raw: str) -> datetime | None:
    """An RFC 3339 date-time as an aware UTC instant, whole seconds (as it is stored)."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        rules.fail(field, f"The {field} field must be a valid date-time with a time zone offset.")
        return None
    try:
        return moment.astimezone(UTC).replace(microsecond=0)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0 in UTC
        rules.fail(field, f"The {field} field must be between years 1 and 9999 in UTC.")
        return None


def _merged(
    body: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    refs: Any,
    team_timezone: str,
) -> dict[str, Any]:
    """The columns to write: the body over the `current` event (None when creating),
    checked against every rule of an event (422 with every failing field)."""
    creating = current is None
    rules = Rules()
    for field, _model, label in REFERENCES:
        if body.get(field) is not None and getattr(refs, _LOOKUPS[field][0][0]) is None:
            rules.fail(field, f"The selected {label} id is invalid.")
    type_minutes = refs.type_minutes if body.get("event_type_id") is not None else None

    timezone = body.get("timezone")
    if timezone is None and creating:
        timezone = team_timezone
    rules.timezone("timezone", timezone)
    timezone = timezone or (current["timezone"] if current else None)

    starts_at = _instant(rules, "starts_at", body["starts_at"]) if "starts_at" in body else None
    ends_at = _instant(rules, "ends_at", body["ends_at"]) if "ends_at" in body else None
    starts_at = starts_at or (current["start"] if current else None)
    if ends_at is None and creating and type_minutes is not None and starts_at is not None:
        try:
            ends_at = starts_at + timedelta(minutes=type_minutes)
        except OverflowError:  # would end after 9999-12-31
            rules.fail("starts_at", "The starts_at field must leave room for the event's end.")
    ends_at = ends_at or (current["end"] if current else None)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        rules.fail("ends_at", "The ends_at field must be a date after starts_at.")
    if "timezone" not in rules.errors:
        for field, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
            if moment is not None and not _representable(moment, timezone):
                rules.fail(field, f"The {field} field is out of range in the {timezone} zone.")

    recurrence = current["recurrence"] if current else None
    if "recurrence" in body:
        recurrence = body["recurrence"] and _normalized_recurrence(body["recurrence"])
    usable_start = starts_at is not None and "starts_at" not in rules.errors
    if recurrence is not None and usable_start and "timezone" not in rules.errors:
        problems = recurrence_errors(_recurrence(recurrence), starts_at, timezone)
        for key, messages in problems.items():
            for message in messages:
                rules.fail(f"recurrence.{key}", message)
    rules.check()

    values = present(body, (*(f for f, _m, _l in REFERENCES), *PLAIN_FIELDS))
    if creating and "title" not in body and type_minutes is not None:
        values["title"] = refs.type_name
    values.update(timezone=timezone, starts_at=starts_at, ends_at=ends_at, recurrence=recurrence)
    return values
