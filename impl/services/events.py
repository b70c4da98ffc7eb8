"""Events (bookings), optionally recurring, and the occurrences their recurrence expands to.

Events are never deleted: `cancel_event` sets the status to `cancelled` and the event stays
readable. Occurrences are computed on request by `domain.recurrence` in the event's own time
zone, never stored.

For the seed command (and any caller with a team session):

- `create_event(session, body)` books an event; `body` is an `EventCreate` as the API takes it,
  e.g. ``{"event_type_id": 3, "client_id": 17, "starts_at": "2026-03-16T09:00:00+01:00",
  "timezone": "Europe/Paris", "recurrence": {"frequency": "weekly", "count": 10,
  "exclude_dates": ["2026-04-06"]}}``; it returns the event as the API answers it;
- `update_event(session, event_id, body)` and `cancel_event(session, event_id)` change it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, select, type_coerce
from sqlalchemy.orm import Session

from ..db import TEAM_PARAM, DriverQuery, TeamReader
from ..domain.recurrence import OccurrenceSeries, Recurrence, recurrence_errors
from ..errors import BadRequest
from ..listing import Listing, ListQuery, bound_value, envelope
from ..models.base import WireTimestamp
from ..models.bookings import Event, team_event_counts
from ..models.resources import Client, EventType, Location
from .common import Rules, current_team, get_or_404, iso, missing

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
_WIRE_KEYS = (
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
_TIMES = ("starts_at", "ends_at", "created_at", "updated_at")
WIRE_COLUMNS = tuple(
    type_coerce(getattr(Event, key), WireTimestamp).label(key)
    if key in _TIMES
    else getattr(Event, key)
    for key in _WIRE_KEYS
)


def serialize(event: Event | Row) -> dict[str, Any]:
    """An event as the API answers it, from an `Event` or a row of `WIRE_COLUMNS`."""
    if isinstance(event, Row):
        return dict(zip(_WIRE_KEYS, event, strict=True))
    item = {key: getattr(event, key) for key in _WIRE_KEYS}
    for key in _TIMES:
        item[key] = iso(item[key])
    return item


_BY_ID = select(*WIRE_COLUMNS).where(Event.id == bindparam("event_id"))
_KEPT_COUNT = DriverQuery(
    select(team_event_counts.c.n).where(team_event_counts.c.team_id == bindparam(TEAM_PARAM))
)


def team_event_count(reader: TeamReader) -> int:
    """The team's events, from the trigger-kept `team_event_counts` (one row read, where
    COUNT(*) walks every event of the team)."""
    row = reader.first(_KEPT_COUNT)
    return row[0] if row is not None else 0


# Rows of plain columns, not ORM objects: a page needs no identity map or change tracking.
LISTING = Listing(select(*WIRE_COLUMNS), LIST_FIELDS, serialize, kept_total=team_event_count)


def list_events(reader: TeamReader, query: ListQuery) -> dict[str, Any]:
    return LISTING.page(reader, query)


def get_event(reader: TeamReader, event_id: int) -> dict[str, Any]:
    row = reader.execute(_BY_ID, {"event_id": event_id}).first()
    if row is None:
        raise missing(Event, event_id)
    return serialize(row)


def create_event(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """Book an event; defaults come from the event type (title, end) and the team (zone)."""
    row = Event(status="confirmed")
    _apply(session, row, body, creating=True)
    session.add(row)
    session.flush()
    return serialize(row)


def update_event(session: Session, event_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Partial update; the merged event must satisfy the rules of a new one."""
    row = get_or_404(session, Event, event_id)
    with session.no_autoflush:
        _apply(session, row, body, creating=False)
    session.flush()
    return serialize(row)


def cancel_event(session: Session, event_id: int) -> dict[str, Any]:
    """Cancel (the DELETE of an event): idempotent, the event stays readable."""
    row = get_or_404(session, Event, event_id)
    if row.status != CANCELLED:
        row.status = CANCELLED
        session.flush()
    return serialize(row)


def list_event_occurrences(session: Session, event_id: int, query: ListQuery) -> dict[str, Any]:
    """One page of an event's occurrences in the window the `x-filter` bounds describe."""
    row = get_or_404(session, Event, event_id)
    start, end = _window(query)
    series = OccurrenceSeries(row.starts_at, row.ends_at, row.timezone, _recurrence(row.recurrence))
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


def _window(query: ListQuery) -> tuple[datetime | None, datetime | None]:
    """The operation's `gte`/`lt` filters on `starts_at`, read as the listing reads them."""
    bounds: dict[str, tuple[str, datetime]] = {}
    for spec_filter in query.operation.filters:
        raw = query.args.get(spec_filter.param)
        if raw is None or spec_filter.op not in ("gte", "lt"):
            continue
        value = bound_value(Event.starts_at, raw, spec_filter.param)
        bounds[spec_filter.op] = (spec_filter.param, value)
    low, high = bounds.get("gte"), bounds.get("lt")
    if low and high and low[1] > high[1]:
        message = f"The {low[0]} field must be a date before or equal to {high[0]}."
        raise BadRequest({low[0]: [message]})
    return (low[1] if low else None, high[1] if high else None)


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


def _apply(session: Session, row: Event, body: dict[str, Any], *, creating: bool) -> None:
    """Check the merged event against every rule, then write the body onto `row`."""
    rules = Rules()
    event_type: EventType | None = None
    for field, model, label in REFERENCES:
        if field in body and body[field] is not None:
            found = session.get(model, body[field])
            if found is None:
                rules.fail(field, f"The selected {label} id is invalid.")
            elif model is EventType:
                event_type = found

    timezone = body.get("timezone")
    if timezone is None and creating:
        timezone = current_team(session).timezone
    rules.timezone("timezone", timezone)
    timezone = timezone or row.timezone

    starts_at = _instant(rules, "starts_at", body["starts_at"]) if "starts_at" in body else None
    ends_at = _instant(rules, "ends_at", body["ends_at"]) if "ends_at" in body else None
    starts_at = starts_at or row.starts_at
    if ends_at is None and creating and event_type is not None and starts_at is not None:
        try:
            ends_at = starts_at + timedelta(minutes=event_type.duration_minutes)
        except OverflowError:  # would end after 9999-12-31
            rules.fail("starts_at", "The starts_at field must leave room for the event's end.")
    ends_at = ends_at or row.ends_at
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        rules.fail("ends_at", "The ends_at field must be a date after starts_at.")
    if "timezone" not in rules.errors:
        for field, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
            if moment is not None and not _representable(moment, timezone):
                rules.fail(field, f"The {field} field is out of range in the {timezone} zone.")

    recurrence = row.recurrence
    if "recurrence" in body:
        recurrence = body["recurrence"] and _normalized_recurrence(body["recurrence"])
    usable_start = starts_at is not None and "starts_at" not in rules.errors
    if recurrence is not None and usable_start and "timezone" not in rules.errors:
        problems = recurrence_errors(_recurrence(recurrence), starts_at, timezone)
        for key, messages in problems.items():
            for message in messages:
                rules.fail(f"recurrence.{key}", message)
    rules.check()

    for field, _model, _label in REFERENCES:
        if field in body:
            setattr(row, field, body[field])
    if creating and "title" not in body and event_type is not None:
        row.title = event_type.name
    for field in PLAIN_FIELDS:
        if field in body:
            setattr(row, field, body[field])
    row.timezone = timezone
    row.starts_at = starts_at
    row.ends_at = ends_at
    row.recurrence = recurrence
