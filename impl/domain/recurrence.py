"""Expansion of an event's recurrence into occurrences (RFC 5545 semantics, via dateutil).

Occurrences are generated in the event's own IANA time zone, so the wall-clock time is kept
across DST changes: a weekly 09:00 Europe/Paris meeting stays at 09:00 local and its UTC time
moves by an hour twice a year. Local times are resolved as RFC 5545 section 3.3.5 says:

- a local time that does not exist (02:30 on a spring-forward day) is read with the UTC offset
  from before the gap, so it lands one gap later on the wall clock (03:30 local);
- a local time that occurs twice (02:30 on a fall-back day) is its first instance.

Both come for free from `zoneinfo` with ``fold=0`` (PEP 495). Every occurrence lasts the
event's exact duration (``ends_at - starts_at``), as RFC 5545 3.8.5.3 prescribes for DTEND.

`count` is applied before the excluded dates are removed (EXDATE semantics: an excluded date
does not make the series longer). An open-ended series is expanded up to a bounded horizon
so that a list of its occurrences is finite.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule

FREQUENCIES: dict[str, int] = {
    "daily": rrule.DAILY,
    "weekly": rrule.WEEKLY,
    "monthly": rrule.MONTHLY,
    "yearly": rrule.YEARLY,
}

# Weekday names as the API spells them, mapped to dateutil's weekday numbers (Monday = 0).
WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}

# How far after the first occurrence an open-ended series is expanded.
OPEN_ENDED_HORIZON = timedelta(days=365)


@dataclass(frozen=True)
class Recurrence:
    """An event's recurrence rule, as the API carries it (validated by `recurrence_errors`)."""

    frequency: str
    interval: int = 1
    by_weekday: tuple[str, ...] = ()
    count: int | None = None
    until: date | None = None
    excluded_dates: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Occurrence:
    """One instance of a (possibly recurring) event; instants are aware UTC datetimes."""

    starts_at: datetime
    ends_at: datetime
    local_date: date


def recurrence_errors(
    recurrence: Recurrence, starts_at: datetime, timezone: str
) -> dict[str, list[str]]:
    """Business-rule problems of a recurrence, keyed by field name within the recurrence.

    The JSON schema checks types and ranges; these are the rules that need the event, and
    the values a caller built without the schema's help.
    """
    problems: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        problems.setdefault(key, []).append(message)

    if recurrence.frequency not in FREQUENCIES:
        add("frequency", f"Must be one of: {', '.join(FREQUENCIES)}.")
    if recurrence.interval < 1:
        add("interval", "Must be at least 1.")
    for position, name in enumerate(recurrence.by_weekday):
        if name not in WEEKDAYS:
            add(f"by_weekday.{position}", f"Must be one of: {', '.join(WEEKDAYS)}.")
    if recurrence.count is not None and recurrence.until is not None:
        add("until", "Count and until cannot both be set.")
    if recurrence.count is not None and recurrence.count < 1:
        add("count", "Must be at least 1.")
    if recurrence.until is not None:
        first_local_date = starts_at.astimezone(ZoneInfo(timezone)).date()
        if recurrence.until < first_local_date:
            add("until", "Must not be before the date the event starts on.")
    return problems


def _as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant.astimezone(UTC)


class OccurrenceSeries:
    """The occurrences of one event, generated lazily in the event's time zone."""

    def __init__(
        self,
        starts_at: datetime,
        ends_at: datetime,
        timezone: str,
        recurrence: Recurrence | None,
        horizon: timedelta = OPEN_ENDED_HORIZON,
    ) -> None:
        self.zone = ZoneInfo(timezone)
        self.starts_at = _as_utc(starts_at)
        self.duration = _as_utc(ends_at) - self.starts_at
        self.recurrence = recurrence
        self.horizon = horizon

    def _local_starts(self) -> Iterable[datetime]:
        """Local (wall-clock) starts, count applied, excluded dates not yet removed."""
        first = self.starts_at.astimezone(self.zone)
        rule = self.recurrence
        if rule is None:
            return (first,)
        if rule.until is not None:
            until = datetime.combine(rule.until, time.max, tzinfo=self.zone)
        elif rule.count is None:
            until = (self.starts_at + self.horizon).astimezone(self.zone)
        else:
            until = None
        # dtstart is naive wall-clock time re-attached to the zone, so rrule keeps it fixed.
        return rrule.rrule(
            FREQUENCIES[rule.frequency],
            dtstart=first.replace(fold=0),
            interval=rule.interval,
            byweekday=[WEEKDAYS[name] for name in rule.by_weekday] or None,
            count=rule.count,
            until=until,
            cache=False,
        )

    def __iter__(self) -> Iterator[Occurrence]:
        return self.between()

    def between(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[Occurrence]:
        """Occurrences starting at or after `start` and before `end` (either may be None)."""
        start_utc = _as_utc(start) if start is not None else None
        end_utc = _as_utc(end) if end is not None else None
        excluded = self.recurrence.excluded_dates if self.recurrence else frozenset()
        for local in self._local_starts():
            if local.date() in excluded:
                continue
            instant = local.astimezone(UTC)
            if start_utc is not None and instant < start_utc:
                continue
            if end_utc is not None and instant >= end_utc:
                return
            yield Occurrence(
                starts_at=instant,
                ends_at=instant + self.duration,
                local_date=local.date(),
            )

    def count(self, start: datetime | None = None, end: datetime | None = None) -> int:
        """How many occurrences fall in the window, without keeping them."""
        return sum(1 for _ in self.between(start, end))

    def page(
        self,
        offset: int,
        limit: int,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Occurrence]:
        """The `limit` occurrences after the first `offset` ones of the window."""
        return list(itertools.islice(self.between(start, end), offset, offset + limit))
