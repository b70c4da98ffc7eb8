"""Expansion of an event's recurrence into occurrences (RFC 5545 semantics, via dateutil).

Occurrences are generated in the event's own IANA time zone, so the wall-clock time is kept
across DST changes: a weekly 09:00 Europe/Paris meeting stays at 09:00 local and its UTC time
moves by an hour twice a year. Local times of the occurrences after the first are resolved as
RFC 5545 section 3.3.5 says:

- a local time that does not exist (02:30 on a spring-forward day) is read with the UTC offset
  from before the gap, so it lands one gap later on the wall clock (03:30 local);
- a local time that occurs twice (02:30 on a fall-back day) is its first instance.

Both come for free from `zoneinfo` with ``fold=0`` (PEP 495). The first occurrence is the
event's own `starts_at`, exactly: when it is the second of two identical local times (01:30
EST, after 01:30 EDT, on a fall-back night) it stays the second. Every occurrence lasts the
event's exact duration (``ends_at - starts_at``), as RFC 5545 3.8.5.3 prescribes for DTEND.

The event's own start is always the first occurrence and counts towards `count`, even when
it does not match the rule (RFC 5545: DTSTART is the first instance). `count` is applied
before the excluded dates are removed (EXDATE semantics: an excluded date does not make the
series longer).

Every cost is bounded. A series that ends (`count` or `until`) has at most MAX_OCCURRENCES
occurrences, excluded ones included: `recurrence_errors` refuses an `until` that would make
more, and a series stored before that rule is listed up to its MAX_OCCURRENCES-th occurrence.
An open-ended series (no `count`, no `until`) is listed up to a horizon of 366 days after the
later of the window's start and the event's start, and a window far from the start is reached
by moving the rule's start forward by whole periods, never by replaying the years between.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
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

# RFC 5545 BYDAY codes, as the API spells them, mapped to dateutil's weekdays (Monday = 0).
WEEKDAYS: dict[str, int] = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}

# How far after the window's start (or the event's start, when later) an open-ended series
# is listed.
OPEN_ENDED_HORIZON = timedelta(days=366)

# The most occurrences a series that ends may have (the largest `count` the document allows).
MAX_OCCURRENCES = 730

# Window ends are capped here: a day later, in any zone, is still inside datetime's range.
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


_LAST_INSTANT = datetime.max.replace(tzinfo=UTC)


def _until_year_9999(starts: Iterator[datetime] | rrule.rrule) -> Iterator[datetime]:
    """The rule's starts, ending quietly where dateutil reaches past year 9999."""
    iterator = iter(starts)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except ValueError:  # dateutil: "year 10000 is out of range"
            return


def _later(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, capped at LATEST (a window ending at 9999-12-31 overflowed: 500)."""
    return moment + delta if moment <= LATEST - delta else LATEST


@dataclass(frozen=True)
class Recurrence:
    """An event's recurrence rule, as the API carries it (validated by `recurrence_errors`)."""

    frequency: str
    interval: int = 1
    by_weekday: tuple[str, ...] = ()
    count: int | None = None
    until: date | None = None
    exclude_dates: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Occurrence:
    """One instance of a (possibly recurring) event; instants are aware UTC datetimes."""

    starts_at: datetime
    ends_at: datetime
    local_starts_at: datetime  # the same instant in the event's zone, with that day's offset

    @property
    def local_date(self) -> date:
        return self.local_starts_at.date()


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
    if recurrence.count is not None and recurrence.count > MAX_OCCURRENCES:
        add("count", f"Must not be greater than {MAX_OCCURRENCES}.")
    if recurrence.until is not None:
        first_local_date = starts_at.astimezone(ZoneInfo(timezone)).date()
        if recurrence.until < first_local_date:
            add("until", "Must not be before the date the event starts on.")
        elif not problems and _more_than_max(recurrence, starts_at, timezone):
            add(
                "until",
                f"The series would have more than {MAX_OCCURRENCES} occurrences: choose an "
                "earlier until, or leave out count and until for an open-ended series.",
            )
    return problems


def _more_than_max(recurrence: Recurrence, starts_at: datetime, timezone: str) -> bool:
    """Whether the series reaches past MAX_OCCURRENCES (at most that many starts generated)."""
    series = OccurrenceSeries(starts_at, starts_at, timezone, recurrence)
    starts = series._rule_starts(None, None)
    return sum(1 for _ in itertools.islice(starts, MAX_OCCURRENCES + 1)) > MAX_OCCURRENCES


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

    @property
    def open_ended(self) -> bool:
        rule = self.recurrence
        return rule is not None and rule.count is None and rule.until is None

    def _local_starts(
        self, until: datetime | None, not_before: datetime | None = None
    ) -> Iterator[datetime]:
        """Local (wall-clock) starts up to `until` (inclusive), count and the cap applied,
        exclusions not. Starts long before `not_before` (a UTC instant) may be skipped without
        being generated (open-ended series only: a series that ends is counted from its start).
        """
        starts = self._rule_starts(until, not_before)
        rule = self.recurrence
        if rule is None or self.open_ended:
            return starts
        return itertools.islice(starts, rule.count or MAX_OCCURRENCES)

    def _rule_starts(
        self, until: datetime | None, not_before: datetime | None
    ) -> Iterator[datetime]:
        """The event's own start, then the rule's other starts up to `until`; no count."""
        # the instant itself, fold included: the second 01:30 of a fall-back night stays so
        first = self.starts_at.astimezone(self.zone)
        rule = self.recurrence
        if rule is None:
            yield first
            return
        if rule.until is not None:
            last_day = datetime.combine(rule.until, time.max, tzinfo=self.zone)
            until = last_day if until is None else min(until, last_day)
        dtstart, explicit = self._jump(first, not_before)
        # dtstart is wall-clock time in the event's zone, so rrule keeps that time fixed.
        generated = _until_year_9999(
            rrule.rrule(
                FREQUENCIES[rule.frequency],
                dtstart=dtstart,
                interval=rule.interval,
                byweekday=[WEEKDAYS[name] for name in rule.by_weekday] or None,
                until=until,
                cache=False,
                **explicit,
            )
        )
        if dtstart is not first:
            yield from generated  # the real start is far behind the window
            return
        yield first
        # same zone: compared as wall-clock times, so the rule's own copy of the start (fold
        # 0, an hour earlier on a fall-back night) is recognized and left out
        yield from (start for start in generated if start != first)

    def _jump(self, first: datetime, not_before: datetime | None) -> tuple[datetime, dict]:
        """A later dtstart, in phase with the rule, so a far window does not replay the past;
        with the rule's implicit BYMONTHDAY/BYMONTH made explicit, which dtstart no longer
        carries. `first` itself (and no extra parts) when there is nothing to skip.

        Only for open-ended series (one that ends needs every earlier occurrence to know
        where its cap falls). Moving dtstart by whole periods (interval days, weeks, months
        or years) keeps the rule's phase; it stays more than a period before the window, so
        nothing in the window is lost.
        """
        rule = self.recurrence
        if rule is None or not self.open_ended or not_before is None:
            return first, {}
        target = not_before.astimezone(self.zone).date()
        if rule.frequency in ("daily", "weekly"):
            period = rule.interval * (7 if rule.frequency == "weekly" else 1)
            lead = (target - first.date()).days - period - 2
            if lead <= 0:
                return first, {}
            day = first.date() + timedelta(days=lead // period * period)
            return datetime.combine(day, first.time(), tzinfo=self.zone), {}
        months = 1 if rule.frequency == "monthly" else 12
        elapsed = (target.year - first.year) * 12 + target.month - first.month
        lead = elapsed // months - rule.interval - 1  # whole periods, one spare
        if lead <= 0:
            return first, {}
        shift = lead // rule.interval * rule.interval * months
        year, month = divmod(first.year * 12 + first.month - 1 + shift, 12)
        explicit: dict = {}
        if not rule.by_weekday:  # dateutil took the day (and month) from dtstart
            explicit = {"bymonthday": first.day}
            if rule.frequency == "yearly":
                explicit["bymonth"] = first.month
        day = date(year, month + 1, 1)
        return datetime.combine(day, first.time(), tzinfo=self.zone), explicit

    def __iter__(self) -> Iterator[Occurrence]:
        return self.between()

    def between(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[Occurrence]:
        """Occurrences starting at or after `start` and before `end` (either may be None).

        An open-ended series also stops 366 days after the later of `start` and the event's
        start.
        """
        return map(self._occurrence, self._instants(start, end))

    def _occurrence(self, instant: datetime) -> Occurrence:
        return Occurrence(
            starts_at=instant,
            ends_at=instant + self.duration,
            local_starts_at=instant.astimezone(self.zone),
        )

    def _instants(self, start: datetime | None, end: datetime | None) -> Iterator[datetime]:
        """UTC starts of the occurrences in the window, in order.

        The window never reaches past LATEST, so every conversion below stays in range.
        """
        # nothing starts before the event: a window from earlier is the same window
        start_utc = min(max(_as_utc(start), self.starts_at), LATEST) if start else None
        end_utc = min(_as_utc(end), LATEST) if end is not None else LATEST
        if self.open_ended:
            end_utc = min(end_utc, _later(start_utc or self.starts_at, self.horizon))
        # rrule compares naive wall-clock times, which a DST fold can misorder: stop generating
        # a day past the window's end and let the exact UTC comparison below decide.
        until = _later(end_utc, timedelta(days=1)).astimezone(self.zone)
        excluded = self.recurrence.exclude_dates if self.recurrence else frozenset()
        for local in self._local_starts(until, start_utc):
            if local.date() in excluded:
                continue
            instant = local.astimezone(UTC)
            if start_utc is not None and instant < start_utc:
                continue
            if instant >= end_utc or instant > _LAST_INSTANT - self.duration:
                return
            yield instant

    def count(self, start: datetime | None = None, end: datetime | None = None) -> int:
        """How many occurrences fall in the window: at most MAX_OCCURRENCES starts of a series
        that ends, or 366 days (plus two periods skipped) of an open-ended one, generated."""
        return sum(1 for _ in self._instants(start, end))

    def page(
        self,
        offset: int,
        limit: int,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Occurrence]:
        """The `limit` occurrences after the first `offset` ones of the window."""
        window = self._instants(start, end)
        return [self._occurrence(i) for i in itertools.islice(window, offset, offset + limit)]
