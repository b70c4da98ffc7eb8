"""Recurrence expansion: wall-clock time across DST, count/until/exclusions, windows, pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from schedulingkit.impl.domain.recurrence import (
    MAX_OCCURRENCES,
    OPEN_ENDED_HORIZON,
    WEEKDAYS,
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
    pytest.param(Recurrence("daily"), id="daily"),
    pytest.param(Recurrence("daily", interval=3), id="every-3-days"),
    pytest.param(
        Recurrence("daily", by_weekday=("SA", "SU"), interval=2),
        id="daily-on-weekends-every-2-days",
    ),
    pytest.param(
        Recurrence(
            "weekly",
            interval=3,
            by_weekday=("MO", "WE", "SU"),
            exclude_dates=frozenset({date(2028, 5, 3), date(2029, 1, 7)}),
        ),
        id="every-3-weeks-on-three-days-with-exclusions",
    ),
    pytest.param(Recurrence("weekly", interval=2), id="biweekly"),
    pytest.param(Recurrence("monthly"), id="monthly-on-the-26th"),
    pytest.param(Recurrence("monthly", interval=5), id="every-5-months"),
    pytest.param(
        Recurrence("monthly", interval=2, by_weekday=tuple(WEEKDAYS)),
        id="every-2-months-every-day",
    ),
    pytest.param(Recurrence("yearly"), id="yearly"),
    pytest.param(Recurrence("yearly", interval=3, by_weekday=("FR",)), id="every-3-years-fridays"),
]


@pytest.mark.parametrize("rule", JUMP_RULES)
def test_far_windows_skip_ahead_without_changing_the_answer(rule: Recurrence) -> None:
    # starts on a Thursday, off the by_weekday days of some rules, in a zone with DST
    first = local("2026-03-26T18:45", "Europe/Paris")
    ends = first + timedelta(hours=1)
    series = OccurrenceSeries(first, ends, "Europe/Paris", rule)
    # the same series listed far without a window: generated from the very start
    reference = OccurrenceSeries(first, ends, "Europe/Paris", rule, horizon=timedelta(days=6000))
    everything = [o.starts_at for o in reference]
    assert everything[0] == first.astimezone(UTC)
    for days in (0, 1, 5, 9, 20, 21, 22, 400, 733, 1000, 1374, 2900, 5000):
        for hour in (0, 17, 23):
            start = utc("2026-03-26T00:00") + timedelta(days=days, hours=hour)
            end = start + timedelta(days=400)  # past the horizon: the horizon decides
            horizon = start + OPEN_ENDED_HORIZON
            expected = [s for s in everything if start <= s < min(end, horizon)]
            assert [o.starts_at for o in series.between(start, end)] == expected, (days, hour)
            assert series.count(start, end) == len(expected)


def test_a_window_far_from_the_start_is_reached_without_replaying_the_years_between() -> None:
    first = utc("0002-01-01T09:00")
    rule = Recurrence("monthly", by_weekday=tuple(WEEKDAYS))
    series = OccurrenceSeries(first, first + timedelta(hours=1), "UTC", rule)
    window_start = utc("9990-01-01T00:00")
    until = window_start + OPEN_ENDED_HORIZON + timedelta(days=1)
    generated = sum(1 for _ in series._local_starts(until, window_start))
    # two periods (months) before the window at most, then the window and the day after it
    assert 366 < generated < 366 + 2 + 2 * 31
    assert series.count(utc("9990-01-01T00:00")) == 366


def test_series_that_end_are_capped_at_max_occurrences() -> None:
    first = utc("0002-01-01T09:00")
    # a series stored before the cap: listed up to its MAX_OCCURRENCES-th occurrence
    series = OccurrenceSeries(first, first, "UTC", Recurrence("daily", until=date(9999, 12, 30)))
    assert series.count() == MAX_OCCURRENCES
    last = series.page(MAX_OCCURRENCES - 1, 100)
    assert [o.starts_at for o in last] == [first + timedelta(days=MAX_OCCURRENCES - 1)]
    assert series.count(start=first + timedelta(days=MAX_OCCURRENCES)) == 0
    excluded = Recurrence(
        "daily", until=date(9999, 12, 30), exclude_dates=frozenset({date(2, 1, 2)})
    )
    assert OccurrenceSeries(first, first, "UTC", excluded).count() == MAX_OCCURRENCES - 1


CAPS = [
    pytest.param(Recurrence("daily", until=date(2027, 12, 31)), set(), id="daily-730-exactly"),
    pytest.param(Recurrence("daily", until=date(2028, 1, 1)), {"until"}, id="daily-731"),
    pytest.param(
        Recurrence("daily", until=date(2028, 1, 1), exclude_dates=frozenset({date(2026, 1, 2)})),
        {"until"},
        id="exclusions-count-towards-the-cap",
    ),
    pytest.param(Recurrence("daily", until=date(9999, 12, 30)), {"until"}, id="to-year-9999"),
    pytest.param(
        Recurrence("monthly", by_weekday=tuple(WEEKDAYS), until=date(9999, 12, 30)),
        {"until"},
        id="monthly-every-weekday-to-9999",
    ),
    pytest.param(Recurrence("weekly", until=date(2039, 12, 1)), set(), id="weekly-nearly-14-years"),
    pytest.param(Recurrence("daily", count=730), set(), id="count-730"),
    pytest.param(Recurrence("daily", count=731), {"count"}, id="count-731"),
    pytest.param(Recurrence("daily"), set(), id="open-ended-has-no-cap"),
]


@pytest.mark.parametrize(("recurrence", "fields"), CAPS)
def test_a_series_that_ends_may_have_at_most_max_occurrences(
    recurrence: Recurrence, fields: set[str]
) -> None:
    assert set(recurrence_errors(recurrence, utc("2026-01-01T10:00"), "UTC")) == fields


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


# The nights of 2026 on which the clocks change, in a northern zone, a southern one and two
# with half-hour offsets (Adelaide: +09:30/+10:30; Lord Howe moves by half an hour).
DST_STARTS = [
    # zone, the event's start (an instant), the rule, the expected starts (UTC)
    pytest.param(
        "America/New_York",
        "2026-11-01T06:30",  # 01:30 EST, the second 01:30 of the fall-back night
        Recurrence("daily", count=3),
        ["2026-11-01T06:30", "2026-11-02T06:30", "2026-11-03T06:30"],
        id="new-york-fall-back-second-instance",
    ),
    pytest.param(
        "America/New_York",
        "2026-11-01T05:30",  # 01:30 EDT, the first one
        Recurrence("daily", count=3),
        ["2026-11-01T05:30", "2026-11-02T06:30", "2026-11-03T06:30"],
        id="new-york-fall-back-first-instance",
    ),
    pytest.param(
        "America/New_York",
        "2026-10-31T05:30",  # 01:30 EDT the day before: the night's 01:30 is its first one
        Recurrence("daily", count=3),
        ["2026-10-31T05:30", "2026-11-01T05:30", "2026-11-02T06:30"],
        id="new-york-fall-back-crossed-by-the-series",
    ),
    pytest.param(
        "America/New_York",
        "2026-03-07T07:30",  # 02:30 EST; 02:30 does not exist the next night
        Recurrence("daily", count=3),
        ["2026-03-07T07:30", "2026-03-08T07:30", "2026-03-09T06:30"],
        id="new-york-spring-forward-gap-moves-forward",
    ),
    pytest.param(
        "America/New_York",
        "2026-03-08T07:30",  # 03:30 EDT, just after the gap
        Recurrence("weekly", count=2),
        ["2026-03-08T07:30", "2026-03-15T07:30"],
        id="new-york-spring-forward-just-after-the-gap",
    ),
    pytest.param(
        "Australia/Sydney",
        "2026-04-04T16:30",  # 02:30 AEST, the second 02:30 of the fall-back night
        Recurrence("daily", count=3),
        ["2026-04-04T16:30", "2026-04-05T16:30", "2026-04-06T16:30"],
        id="sydney-fall-back-second-instance",
    ),
    pytest.param(
        "Australia/Sydney",
        "2026-04-04T15:30",  # 02:30 AEDT, the first one
        Recurrence("weekly", count=2),
        ["2026-04-04T15:30", "2026-04-11T16:30"],
        id="sydney-fall-back-first-instance",
    ),
    pytest.param(
        "Australia/Sydney",
        "2026-10-02T16:30",  # 02:30 AEST; 02:30 does not exist on 4 October
        Recurrence("daily", count=3),
        ["2026-10-02T16:30", "2026-10-03T16:30", "2026-10-04T15:30"],
        id="sydney-spring-forward-gap-moves-forward",
    ),
    pytest.param(
        "Australia/Adelaide",
        "2026-04-04T17:00",  # 02:30 ACST (+09:30), the second 02:30
        Recurrence("daily", count=3),
        ["2026-04-04T17:00", "2026-04-05T17:00", "2026-04-06T17:00"],
        id="adelaide-fall-back-second-instance",
    ),
    pytest.param(
        "Australia/Adelaide",
        "2026-10-02T17:00",  # 02:30 ACST; 02:30 does not exist on 4 October
        Recurrence("daily", count=3),
        ["2026-10-02T17:00", "2026-10-03T17:00", "2026-10-04T16:00"],
        id="adelaide-spring-forward-gap-moves-forward",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        "2026-04-04T15:15",  # 01:45 +10:30, the second 01:45 (the clock goes back 30 min)
        Recurrence("daily", count=2),
        ["2026-04-04T15:15", "2026-04-05T15:15"],
        id="lord-howe-half-hour-fall-back-second-instance",
    ),
]


@pytest.mark.parametrize(("zone", "start", "rule", "expected"), DST_STARTS)
def test_the_first_occurrence_is_the_event_own_start_on_dst_nights(
    zone: str, start: str, rule: Recurrence, expected: list[str]
) -> None:
    first = utc(start)
    series = OccurrenceSeries(first, first + timedelta(minutes=45), zone, rule)
    assert starts(series) == expected
    # a window that starts at the event's own start keeps it
    assert starts(series, start=first) == expected
    assert series.count(first) == len(expected)
    assert series.page(0, 1, start=first)[0].starts_at == first
    # the wall-clock time is kept wherever it exists
    wall = first.astimezone(ZoneInfo(zone)).time()
    kept = [o.local_starts_at.time() == wall for o in series]
    assert kept[0]


HORIZON_NIGHTS = [
    # zone, the event's start, the window's from (None: absent) -> occurrences listed. The
    # horizon is 366 x 24 hours: a series that starts in winter time and ends the horizon
    # in summer time (its occurrences an hour earlier in UTC) fits one more day.
    pytest.param("America/New_York", "2026-11-01T06:30", None, 367, id="new-york-from-absent"),
    pytest.param(
        "America/New_York", "2026-11-01T06:30", "2025-06-01T00:00", 367, id="new-york-from-before"
    ),
    pytest.param(
        "America/New_York", "2026-11-01T06:30", "2027-03-14T06:30", 367, id="new-york-from-after"
    ),
    pytest.param("Australia/Sydney", "2026-04-04T16:30", None, 366, id="sydney-from-absent"),
    pytest.param(
        "Australia/Sydney", "2026-04-04T16:30", "2020-01-01T00:00", 366, id="sydney-from-before"
    ),
    pytest.param(
        "Australia/Sydney", "2026-04-04T16:30", "2026-10-03T16:00", 367, id="sydney-from-after"
    ),
    pytest.param("Australia/Adelaide", "2026-10-02T17:00", None, 367, id="adelaide-from-absent"),
    pytest.param(
        "Australia/Adelaide",
        "2026-10-02T17:00",
        "2026-04-04T17:00",
        367,
        id="adelaide-from-before",
    ),
]


@pytest.mark.parametrize(("zone", "start", "window_from", "count"), HORIZON_NIGHTS)
def test_open_ended_horizon_is_366_days_after_the_later_of_from_and_the_start(
    zone: str, start: str, window_from: str | None, count: int
) -> None:
    first = utc(start)
    rule = Recurrence("daily")
    series = OccurrenceSeries(first, first + timedelta(hours=1), zone, rule)
    reference = OccurrenceSeries(first, first, zone, rule, horizon=timedelta(days=3000))
    low = utc(window_from) if window_from else None
    opens = max(low, first) if low else first
    expected = [o.starts_at for o in reference if opens <= o.starts_at < opens + OPEN_ENDED_HORIZON]
    listed = [o.starts_at for o in series.between(low)]
    assert listed == expected
    assert series.count(low) == len(listed) == count
    if opens == first:
        assert listed[0] == first  # the event's own start, a DST night's second instance too
