"""Recurrence expansion: wall-clock time across DST, count/until/exclusions, windows, pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from schedulingkit.impl.domain.recurrence import (
    OPEN_ENDED_HORIZON,
    OccurrenceSeries,
    Recurrence,
    recurrence_errors,
)


def utc(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DDTHH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def starts(series: OccurrenceSeries, **window: datetime) -> list[str]:
    return [o.starts_at.strftime("%Y-%m-%dT%H:%M") for o in series.between(**window)]


EXPANSIONS = [
    pytest.param(
        "2026-03-22T09:00",
        "Europe/Paris",
        Recurrence("weekly", count=3),
        ["2026-03-22T08:00", "2026-03-29T07:00", "2026-04-05T07:00"],
        id="paris-weekly-09h-keeps-wall-clock-across-spring-forward",
    ),
    pytest.param(
        "2026-10-18T09:00",
        "Europe/Paris",
        Recurrence("weekly", count=3),
        ["2026-10-18T07:00", "2026-10-25T08:00", "2026-11-01T08:00"],
        id="paris-weekly-09h-keeps-wall-clock-across-fall-back",
    ),
    pytest.param(
        "2026-03-07T09:00",
        "America/New_York",
        Recurrence("daily", count=3),
        ["2026-03-07T14:00", "2026-03-08T13:00", "2026-03-09T13:00"],
        id="new-york-daily-across-spring-forward",
    ),
    pytest.param(
        "2026-10-31T09:00",
        "America/New_York",
        Recurrence("daily", count=3),
        ["2026-10-31T13:00", "2026-11-01T14:00", "2026-11-02T14:00"],
        id="new-york-daily-across-fall-back",
    ),
    pytest.param(
        "2026-03-28T02:30",
        "Europe/Paris",
        Recurrence("daily", count=3),
        # 02:30 does not exist on 29 March: read with the offset before the gap (+01:00),
        # i.e. 01:30Z = 03:30 local; the day after is 02:30 CEST again.
        ["2026-03-28T01:30", "2026-03-29T01:30", "2026-03-30T00:30"],
        id="nonexistent-local-time-moves-forward-by-the-gap",
    ),
    pytest.param(
        "2026-10-24T02:30",
        "Europe/Paris",
        Recurrence("daily", count=3),
        # 02:30 happens twice on 25 October: the first instance (CEST, +02:00) is used.
        ["2026-10-24T00:30", "2026-10-25T00:30", "2026-10-26T01:30"],
        id="ambiguous-local-time-is-its-first-instance",
    ),
    pytest.param(
        "2026-01-05T10:00",
        "UTC",
        Recurrence("daily", count=4),
        ["2026-01-05T10:00", "2026-01-06T10:00", "2026-01-07T10:00", "2026-01-08T10:00"],
        id="count",
    ),
    pytest.param(
        "2026-01-01T23:30",
        "America/New_York",
        Recurrence("daily", until=date(2026, 1, 3)),
        # until is a local date, inclusive: the 3 January 23:30 local (04:30Z on the 4th) counts.
        ["2026-01-02T04:30", "2026-01-03T04:30", "2026-01-04T04:30"],
        id="until-is-an-inclusive-date-in-the-event-zone",
    ),
    pytest.param(
        "2026-01-05T10:00",
        "UTC",
        Recurrence("daily", until=date(2026, 1, 5)),
        ["2026-01-05T10:00"],
        id="until-on-the-first-day",
    ),
    pytest.param(
        "2026-01-05T10:00",
        "Europe/Paris",
        Recurrence(
            "weekly",
            count=4,
            exclude_dates=frozenset({date(2026, 1, 12), date(2026, 1, 20)}),
        ),
        # the 12th is removed and not replaced (count first, then exdates); the 20th is
        # not an occurrence, so excluding it changes nothing.
        ["2026-01-05T09:00", "2026-01-19T09:00", "2026-01-26T09:00"],
        id="excluded-dates-do-not-consume-count",
    ),
    pytest.param(
        "2026-01-05T10:00",
        "UTC",
        Recurrence("daily", count=3, exclude_dates=frozenset({date(2026, 1, 5)})),
        ["2026-01-06T10:00", "2026-01-07T10:00"],
        id="excluding-the-first-date-removes-the-start-itself",
    ),
    pytest.param(
        "2026-01-05T10:00",
        "UTC",
        Recurrence("weekly", interval=2, count=3),
        ["2026-01-05T10:00", "2026-01-19T10:00", "2026-02-02T10:00"],
        id="biweekly-is-weekly-interval-2",
    ),
    pytest.param(
        "2026-01-05T10:00",
        "UTC",
        Recurrence("weekly", by_weekday=("MO", "WE", "FR"), count=5),
        [
            "2026-01-05T10:00",
            "2026-01-07T10:00",
            "2026-01-09T10:00",
            "2026-01-12T10:00",
            "2026-01-14T10:00",
        ],
        id="weekly-on-several-weekdays",
    ),
    pytest.param(
        "2026-01-05T10:00",
        "UTC",
        Recurrence("weekly", interval=2, by_weekday=("TU", "TH"), count=4),
        # RFC 5545: the event's own start (a Monday) is the first occurrence and counts.
        ["2026-01-05T10:00", "2026-01-06T10:00", "2026-01-08T10:00", "2026-01-20T10:00"],
        id="start-off-the-rule-is-still-the-first-occurrence",
    ),
    pytest.param(
        "2026-01-31T09:00",
        "Europe/Paris",
        Recurrence("monthly", count=4),
        # RFC 5545: months without a 31st are skipped, not clamped.
        ["2026-01-31T08:00", "2026-03-31T07:00", "2026-05-31T07:00", "2026-07-31T07:00"],
        id="monthly-on-the-31st-skips-short-months",
    ),
    pytest.param(
        "2026-01-15T09:00",
        "UTC",
        Recurrence("monthly", interval=3, count=3),
        ["2026-01-15T09:00", "2026-04-15T09:00", "2026-07-15T09:00"],
        id="quarterly",
    ),
    pytest.param(
        "2028-02-29T12:00",
        "UTC",
        Recurrence("yearly", count=2),
        ["2028-02-29T12:00", "2032-02-29T12:00"],
        id="yearly-on-29-february-skips-common-years",
    ),
    pytest.param(
        "2026-06-01T12:00",
        "Asia/Tokyo",
        None,
        ["2026-06-01T03:00"],
        id="non-recurring-event-is-one-occurrence",
    ),
]


@pytest.mark.parametrize(("first_local", "zone", "recurrence", "expected"), EXPANSIONS)
def test_expansion(
    first_local: str, zone: str, recurrence: Recurrence | None, expected: list[str]
) -> None:
    first = local(first_local, zone)
    series = OccurrenceSeries(first, first + timedelta(hours=1), zone, recurrence)
    assert starts(series) == expected


def test_wall_clock_is_kept_in_the_event_zone() -> None:
    first = local("2026-03-01T09:00", "Europe/Paris")
    series = OccurrenceSeries(first, first + timedelta(hours=1), "Europe/Paris", None)
    weekly = OccurrenceSeries(
        first, first + timedelta(hours=1), "Europe/Paris", Recurrence("weekly", count=10)
    )
    assert series.count() == 1
    local_times = {o.starts_at.astimezone(ZoneInfo("Europe/Paris")).time() for o in weekly}
    assert [str(t) for t in local_times] == ["09:00:00"]
    offsets = [o.starts_at.astimezone(ZoneInfo("Europe/Paris")).utcoffset() for o in weekly]
    assert offsets[:4] == [timedelta(hours=1)] * 4
    assert offsets[4:] == [timedelta(hours=2)] * 6


@pytest.mark.parametrize(
    ("first_local", "zone"),
    [
        ("2026-03-28T23:30", "Europe/Paris"),  # spans nothing, the gap is the next night
        ("2026-03-29T01:30", "Europe/Paris"),  # spans the spring-forward gap
        ("2026-10-25T01:30", "Europe/Paris"),  # spans the repeated hour
    ],
)
def test_every_occurrence_lasts_the_exact_event_duration(first_local: str, zone: str) -> None:
    first = local(first_local, zone)
    # exact (UTC) arithmetic: adding to an aware local datetime would add wall-clock time
    ends = first.astimezone(UTC) + timedelta(minutes=90)
    series = OccurrenceSeries(first, ends, zone, Recurrence("daily", count=5))
    assert {o.ends_at - o.starts_at for o in series} == {timedelta(minutes=90)}


WINDOWS = [
    pytest.param(None, None, 10, id="no-window"),
    pytest.param(utc("2026-01-03T10:00"), None, 8, id="from-is-inclusive"),
    pytest.param(utc("2026-01-03T10:01"), None, 7, id="from-after-an-occurrence"),
    pytest.param(None, utc("2026-01-03T10:00"), 2, id="to-is-exclusive"),
    pytest.param(utc("2026-01-03T00:00"), utc("2026-01-06T00:00"), 3, id="from-and-to"),
    pytest.param(utc("2027-01-01T00:00"), None, 0, id="window-after-the-series"),
    pytest.param(None, utc("2025-01-01T00:00"), 0, id="window-before-the-series"),
]


@pytest.mark.parametrize(("start", "end", "expected"), WINDOWS)
def test_window(start: datetime | None, end: datetime | None, expected: int) -> None:
    first = utc("2026-01-01T10:00")
    series = OccurrenceSeries(
        first, first + timedelta(hours=1), "UTC", Recurrence("daily", count=10)
    )
    assert series.count(start, end) == expected
    assert len(list(series.between(start, end))) == expected


def test_window_accepts_bounds_in_any_zone() -> None:
    first = local("2026-03-29T09:00", "Europe/Paris")  # 07:00Z
    series = OccurrenceSeries(first, first + timedelta(hours=1), "Europe/Paris", None)
    assert series.count(start=local("2026-03-29T03:00", "America/New_York")) == 1  # 07:00Z
    assert series.count(start=local("2026-03-29T03:01", "America/New_York")) == 0
    with pytest.raises(ValueError):
        series.count(start=datetime(2026, 3, 29))


HORIZONS = [
    # window (from, to) -> (count, first start, last start) of an open-ended daily series
    pytest.param(None, None, 366, "2026-01-01", "2027-01-01", id="366-days-after-the-start"),
    pytest.param(
        utc("2026-06-01T00:00"), None, 366, "2026-06-01", "2027-06-01", id="366-days-after-from"
    ),
    pytest.param(
        utc("2026-06-01T10:00"), None, 366, "2026-06-01", "2027-06-01", id="from-on-an-occurrence"
    ),
    pytest.param(
        utc("2026-06-01T00:00"),
        utc("2026-06-08T00:00"),
        7,
        "2026-06-01",
        "2026-06-07",
        id="an-earlier-to-wins",
    ),
    pytest.param(
        None, utc("2030-01-01T00:00"), 366, "2026-01-01", "2027-01-01", id="a-later-to-loses"
    ),
]


@pytest.mark.parametrize(("start", "end", "count", "first", "last"), HORIZONS)
def test_open_ended_series_is_listed_up_to_366_days(
    start: datetime | None, end: datetime | None, count: int, first: str, last: str
) -> None:
    begin = utc("2026-01-01T10:00")
    series = OccurrenceSeries(begin, begin + timedelta(hours=1), "UTC", Recurrence("daily"))
    occurrences = list(series.between(start, end))
    assert len(occurrences) == count == series.count(start, end)
    assert occurrences[0].starts_at.date().isoformat() == first
    assert occurrences[-1].starts_at.date().isoformat() == last
    assert occurrences[-1].starts_at < (start or begin) + OPEN_ENDED_HORIZON


def test_horizon_applies_only_to_open_ended_series() -> None:
    begin = utc("2026-01-01T10:00")
    counted = OccurrenceSeries(begin, begin, "UTC", Recurrence("daily", count=730))
    until = OccurrenceSeries(begin, begin, "UTC", Recurrence("daily", until=date(2027, 12, 31)))
    assert counted.count() == 730
    assert until.count() == 730
    weekly = OccurrenceSeries(begin, begin, "UTC", Recurrence("weekly"), horizon=timedelta(21))
    assert weekly.count() == 3


def test_pages_slice_the_window_in_order() -> None:
    first = utc("2026-01-01T10:00")
    series = OccurrenceSeries(
        first, first + timedelta(hours=1), "UTC", Recurrence("daily", count=7)
    )
    pages = [series.page(offset, 3) for offset in (0, 3, 6, 9)]
    assert [len(page) for page in pages] == [3, 3, 1, 0]
    walked = [o.starts_at for page in pages for o in page]
    assert walked == [o.starts_at for o in series]
    assert len(set(walked)) == 7
    in_window = series.page(1, 2, start=utc("2026-01-03T00:00"))
    assert [o.starts_at.day for o in in_window] == [4, 5]


def test_occurrences_carry_their_local_start_with_that_day_offset() -> None:
    first = local("2026-03-28T09:00", "Europe/Paris")
    series = OccurrenceSeries(
        first, first + timedelta(hours=1), "Europe/Paris", Recurrence("daily", count=2)
    )
    assert [o.local_starts_at.isoformat() for o in series] == [
        "2026-03-28T09:00:00+01:00",
        "2026-03-29T09:00:00+02:00",
    ]


def test_occurrences_carry_their_local_date() -> None:
    first = local("2026-01-01T23:30", "America/New_York")
    series = OccurrenceSeries(
        first, first + timedelta(hours=1), "America/New_York", Recurrence("daily", count=2)
    )
    assert [o.local_date for o in series] == [date(2026, 1, 1), date(2026, 1, 2)]
    assert [o.starts_at.date() for o in series] == [date(2026, 1, 2), date(2026, 1, 3)]


ERRORS = [
    pytest.param(Recurrence("weekly", count=3), set(), id="valid"),
    pytest.param(Recurrence("hourly"), {"frequency"}, id="unknown-frequency"),
    pytest.param(Recurrence("daily", interval=0), {"interval"}, id="interval-below-1"),
    pytest.param(Recurrence("daily", count=0), {"count"}, id="count-below-1"),
    pytest.param(
        Recurrence("weekly", by_weekday=("MO", "monday")), {"by_weekday.1"}, id="bad-weekday"
    ),
    pytest.param(
        Recurrence("daily", count=2, until=date(2026, 2, 1)), {"until"}, id="count-and-until"
    ),
    pytest.param(Recurrence("daily", until=date(2026, 1, 3)), {"until"}, id="until-before-start"),
    pytest.param(
        Recurrence("daily", until=date(2026, 1, 4)), set(), id="until-on-local-start-date"
    ),
    pytest.param(
        Recurrence("hourly", interval=0, count=0), {"frequency", "interval", "count"}, id="all"
    ),
]


@pytest.mark.parametrize(("recurrence", "fields"), ERRORS)
def test_recurrence_errors(recurrence: Recurrence, fields: set[str]) -> None:
    # 2026-01-05T03:00Z is still 4 January in New York: until is checked in the event's zone.
    errors = recurrence_errors(recurrence, utc("2026-01-05T03:00"), "America/New_York")
    assert set(errors) == fields
    for messages in errors.values():
        assert messages
        assert all(isinstance(message, str) and message for message in messages)


JUMP_RULES = [
    pytest.param(Recurrence("daily", until=date(2029, 12, 31)), id="daily"),
    pytest.param(Recurrence("daily", interval=3, until=date(2029, 12, 31)), id="every-3-days"),
    pytest.param(
        Recurrence("daily", by_weekday=("SA", "SU"), interval=2, until=date(2029, 12, 31)),
        id="daily-on-weekends-every-2-days",
    ),
    pytest.param(
        Recurrence(
            "weekly",
            interval=3,
            by_weekday=("MO", "WE", "SU"),
            until=date(2029, 12, 31),
            exclude_dates=frozenset({date(2028, 5, 3), date(2029, 1, 7)}),
        ),
        id="every-3-weeks-on-three-days-with-exclusions",
    ),
    pytest.param(Recurrence("weekly", interval=2, until=date(2029, 12, 31)), id="biweekly"),
]


@pytest.mark.parametrize("rule", JUMP_RULES)
def test_far_windows_skip_ahead_without_changing_the_answer(rule: Recurrence) -> None:
    # starts on a Thursday, off the by_weekday days of some rules, in a zone with DST
    first = local("2026-03-26T18:45", "Europe/Paris")
    series = OccurrenceSeries(first, first + timedelta(hours=1), "Europe/Paris", rule)
    everything = [o.starts_at for o in series]  # no window: generated from the very start
    assert everything[0] == first.astimezone(UTC)
    for days in (0, 1, 5, 9, 20, 21, 22, 400, 733, 1000, 1374):
        for hour in (0, 17, 23):
            start = utc("2026-03-26T00:00") + timedelta(days=days, hours=hour)
            end = start + timedelta(days=45)
            expected = [s for s in everything if start <= s < end]
            assert [o.starts_at for o in series.between(start, end)] == expected, (days, hour)
            assert series.count(start, end) == len(expected)


PERIODIC_RULES = [
    pytest.param("daily", 1, (), "Europe/Paris", id="daily-paris"),
    pytest.param("daily", 3, (), "America/Havana", id="every-3-days-havana-midnight-dst"),
    pytest.param("daily", 2, ("SA", "SU", "WE"), "America/New_York", id="daily-every-2-on-days"),
    pytest.param("weekly", 1, (), "Australia/Lord_Howe", id="weekly-half-hour-dst"),
    pytest.param("weekly", 3, ("MO", "WE", "SU"), "Europe/Paris", id="every-3-weeks-3-days"),
    pytest.param("weekly", 2, ("TH",), "UTC", id="biweekly-off-the-start-day"),
]


@pytest.mark.parametrize(("frequency", "interval", "weekdays", "zone"), PERIODIC_RULES)
def test_long_windows_are_counted_by_period_exactly(
    frequency: str, interval: int, weekdays: tuple[str, ...], zone: str
) -> None:
    first = local("2026-03-26T00:30", zone)  # a Thursday, just after midnight
    rule = Recurrence(
        frequency,
        interval=interval,
        by_weekday=weekdays,
        until=date(2031, 6, 30),
        exclude_dates=frozenset({date(2027, 1, 1), date(2028, 2, 29), date(2029, 7, 4)}),
    )
    series = OccurrenceSeries(first, first + timedelta(minutes=45), zone, rule)
    windows = [(None, None)]
    for start_days, length in [(0, 4000), (3, 900), (200, 1500), (-30, 2000), (1800, 900)]:
        for hour in (0, 5, 23):
            start = utc("2026-03-26T00:00") + timedelta(days=start_days, hours=hour)
            windows.append((start, start + timedelta(days=length, hours=hour)))
            windows.append((start, None))
            windows.append((None, start + timedelta(days=length)))
    for start, end in windows:
        one_by_one = sum(1 for _ in series.between(start, end))
        assert series.count(start, end) == one_by_one, (start, end)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
@pytest.mark.parametrize(
    "rule",
    [
        Recurrence("daily", count=10),
        Recurrence("daily", until=date(9999, 12, 31)),
        Recurrence("weekly", by_weekday=("MO", "SU")),
        Recurrence("daily", interval=2, until=date(9999, 12, 31)),
    ],
    ids=["count", "until-last-date", "open-ended", "until-every-2-days"],
)
def test_series_at_the_end_of_time_never_overflow(zone: str, rule: Recurrence) -> None:
    first = datetime(9999, 12, 20, 22, 0, tzinfo=UTC)
    series = OccurrenceSeries(first, first + timedelta(hours=3), zone, rule)
    last = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    windows = [
        (None, None),
        (last, None),
        (None, last),
        (datetime(1, 1, 1, tzinfo=UTC), last),
        (datetime(9999, 12, 25, tzinfo=UTC), None),
    ]
    for start, end in windows:
        found = list(series.between(start, end))
        assert series.count(start, end) == len(found)
        assert series.page(0, 100, start, end) == found
        assert all(o.ends_at - o.starts_at == timedelta(hours=3) for o in found)
    assert series.count() >= 1


def test_long_series_from_now_to_the_last_date_is_counted_quickly() -> None:
    first = utc("2026-01-01T10:00")
    series = OccurrenceSeries(
        first, first, "Europe/Paris", Recurrence("daily", until=date(9999, 12, 31))
    )
    # 2,912,000-odd occurrences: counted by period, not one by one (which takes seconds);
    # lists end at LATEST (9999-12-30T00:00Z), where a day later is still a valid datetime
    assert series.count() == (date(9999, 12, 29) - date(2026, 1, 1)).days + 1
    assert len(series.page(0, 15)) == 15
