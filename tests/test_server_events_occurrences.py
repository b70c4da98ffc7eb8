"""`GET /events/{id}/occurrences` through HTTP: DST, exclusions, windows, horizon, pages."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from bookings_helpers import all_pages


@pytest.fixture
def event_type(api) -> dict:
    return api.create(
        "/event-types",
        {"name": "Weekly session", "slug": "weekly", "kind": "one_on_one", "duration_minutes": 60},
    )


def series(api, event_type: dict, starts_at: str, timezone: str, recurrence: dict | None) -> dict:
    body = {"event_type_id": event_type["id"], "starts_at": starts_at, "timezone": timezone}
    if recurrence is not None:
        body["recurrence"] = recurrence
    return api.create("/events", body)


def occurrences(api, event: dict, **params) -> list[dict]:
    return all_pages(api, f"/events/{event['id']}/occurrences", params)


def test_weekly_paris_meeting_keeps_09h_local_across_both_dst_changes(api, event_type):
    event = series(
        api, event_type, "2026-03-16T09:00:00+01:00", "Europe/Paris", {"frequency": "weekly"}
    )
    found = occurrences(api, event)
    by_start = {o["starts_at"]: o for o in found}
    # winter (+01:00), then summer (+02:00) after 29 March, then winter after 25 October
    assert by_start["2026-03-23T08:00:00Z"]["local_starts_at"] == "2026-03-23T09:00:00+01:00"
    assert by_start["2026-03-30T07:00:00Z"]["local_starts_at"] == "2026-03-30T09:00:00+02:00"
    assert by_start["2026-10-19T07:00:00Z"]["local_starts_at"] == "2026-10-19T09:00:00+02:00"
    assert by_start["2026-10-26T08:00:00Z"]["local_starts_at"] == "2026-10-26T09:00:00+01:00"
    assert {o["local_starts_at"][11:19] for o in found} == {"09:00:00"}
    for o in found:
        assert o["event_id"] == event["id"]
        assert o["timezone"] == "Europe/Paris"
        assert o["status"] == "confirmed"
    assert found[0]["starts_at"] == event["starts_at"]
    assert found[0]["ends_at"] == event["ends_at"]


def test_new_york_daily_across_spring_forward_and_fall_back(api, event_type):
    spring = series(
        api,
        event_type,
        "2026-03-07T09:00:00-05:00",
        "America/New_York",
        {"frequency": "daily", "count": 3},
    )
    assert [o["starts_at"] for o in occurrences(api, spring)] == [
        "2026-03-07T14:00:00Z",
        "2026-03-08T13:00:00Z",
        "2026-03-09T13:00:00Z",
    ]
    fall = series(
        api,
        event_type,
        "2026-10-31T09:00:00-04:00",
        "America/New_York",
        {"frequency": "daily", "count": 3},
    )
    found = occurrences(api, fall)
    assert [o["starts_at"] for o in found] == [
        "2026-10-31T13:00:00Z",
        "2026-11-01T14:00:00Z",
        "2026-11-02T14:00:00Z",
    ]
    assert [o["ends_at"] for o in found] == [
        "2026-10-31T14:00:00Z",
        "2026-11-01T15:00:00Z",
        "2026-11-02T15:00:00Z",
    ]


def test_nonexistent_local_time_moves_forward_by_the_gap(api, event_type):
    event = series(
        api,
        event_type,
        "2026-03-28T02:30:00+01:00",
        "Europe/Paris",
        {"frequency": "daily", "count": 3},
    )
    assert [o["local_starts_at"] for o in occurrences(api, event)] == [
        "2026-03-28T02:30:00+01:00",
        "2026-03-29T03:30:00+02:00",  # 02:30 does not exist that day
        "2026-03-30T02:30:00+02:00",
    ]


def test_count_exclusions_and_interval(api, event_type):
    event = series(
        api,
        event_type,
        "2026-01-05T10:00:00Z",
        "UTC",
        {
            "frequency": "weekly",
            "interval": 2,
            "by_weekday": ["MO", "TH"],
            "count": 6,
            "exclude_dates": ["2026-01-08", "2026-02-05"],
        },
    )
    # 6 occurrences counted first (5, 8, 19, 22 Jan, 2, 5 Feb), then two excluded
    assert [o["starts_at"][:10] for o in occurrences(api, event)] == [
        "2026-01-05",
        "2026-01-19",
        "2026-01-22",
        "2026-02-02",
    ]


def test_until_and_monthly_on_the_31st(api, event_type):
    event = series(
        api,
        event_type,
        "2026-01-31T09:00:00+01:00",
        "Europe/Paris",
        {"frequency": "monthly", "until": "2026-08-31"},
    )
    assert [o["local_starts_at"][:10] for o in occurrences(api, event)] == [
        "2026-01-31",
        "2026-03-31",
        "2026-05-31",
        "2026-07-31",
        "2026-08-31",
    ]


def test_a_single_event_has_one_occurrence_and_shows_its_status(api, event_type):
    event = series(api, event_type, "2026-06-01T12:00:00+09:00", "Asia/Tokyo", None)
    api.delete(f"/events/{event['id']}")
    assert occurrences(api, event) == [
        {
            "event_id": event["id"],
            "starts_at": "2026-06-01T03:00:00Z",
            "ends_at": "2026-06-01T04:00:00Z",
            "local_starts_at": "2026-06-01T12:00:00+09:00",
            "timezone": "Asia/Tokyo",
            "status": "cancelled",
        }
    ]


def test_open_ended_series_lists_366_days(api, event_type):
    event = series(api, event_type, "2026-01-01T10:00:00Z", "UTC", {"frequency": "daily"})
    body = api.get(f"/events/{event['id']}/occurrences?per_page=100&page=4").json()
    assert body["meta"]["total"] == 366
    assert body["meta"]["last_page"] == 4
    assert len(body["data"]) == 66
    assert body["data"][-1]["starts_at"] == "2027-01-01T10:00:00Z"


def test_open_ended_horizon_follows_from_and_to(api, event_type):
    event = series(api, event_type, "2026-01-01T10:00:00Z", "UTC", {"frequency": "daily"})
    path = f"/events/{event['id']}/occurrences"
    later = api.get(path, params={"from": "2030-06-01", "per_page": 1}).json()
    assert later["meta"]["total"] == 366
    assert later["data"][0]["starts_at"] == "2030-06-01T10:00:00Z"
    bounded = api.get(path, params={"from": "2030-06-01", "to": "2030-06-08"}).json()
    assert bounded["meta"]["total"] == 7
    far = api.get(path, params={"from": "2030-06-01", "to": "2035-01-01"}).json()
    assert far["meta"]["total"] == 366


@pytest.mark.parametrize(
    ("params", "expected_days"),
    [
        ({"from": "2026-01-07"}, [7, 8, 9, 10]),
        ({"from": "2026-01-07T10:00:00Z"}, [7, 8, 9, 10]),  # inclusive
        ({"from": "2026-01-07T10:00:01Z"}, [8, 9, 10]),
        ({"from": "2026-01-07T11:00:00+01:00"}, [7, 8, 9, 10]),  # = 10:00Z
        ({"to": "2026-01-03T10:00:00Z"}, [1, 2]),  # exclusive
        ({"to": "2026-01-03"}, [1, 2]),
        ({"from": "2026-01-02", "to": "2026-01-05"}, [2, 3, 4]),
        ({"from": "2026-01-05", "to": "2026-01-05"}, []),
        ({"from": "2027-01-01"}, []),
    ],
)
def test_window_filters_on_the_occurrence_start(api, event_type, params, expected_days):
    event = series(
        api, event_type, "2026-01-01T10:00:00Z", "UTC", {"frequency": "daily", "count": 10}
    )
    found = occurrences(api, event, **params)
    assert [int(o["starts_at"][8:10]) for o in found] == expected_days


@pytest.mark.parametrize(
    "query",
    ["from=2026-02-01&to=2026-01-01", "from=soon", "to=2026-02-30", "from=2026-01-01T10:00:00"],
)
def test_bad_windows_are_400(api, event_type, query):
    event = series(api, event_type, "2026-01-01T10:00:00Z", "UTC", {"frequency": "daily"})
    response = api.get(f"/events/{event['id']}/occurrences?{query}")
    assert response.status_code == 400, response.text
    assert set(response.json()["errors"]) <= {"from", "to"}


def test_walking_the_pages_yields_each_occurrence_once_in_order(api, event_type):
    event = series(
        api,
        event_type,
        "2026-03-02T09:00:00+01:00",
        "Europe/Paris",
        {"frequency": "weekly", "by_weekday": ["MO", "WE", "FR"], "count": 20},
    )
    path = f"/events/{event['id']}/occurrences"
    response = api.get(f"{path}?per_page=6")
    walked, page = [], 1
    while True:
        body = response.json()
        meta, links = body["meta"], body["links"]
        assert meta["current_page"] == page and meta["per_page"] == 6
        assert meta["total"] == 20 and meta["last_page"] == 4
        assert meta["from"] == (page - 1) * 6 + 1
        assert meta["to"] == meta["from"] + len(body["data"]) - 1
        assert meta["path"] == f"http://testserver/api/v1{path}"
        assert (links["prev"] is None) == (page == 1)
        walked.extend(body["data"])
        if links["next"] is None:
            break
        page += 1
        next_url = urlsplit(links["next"])
        assert parse_qs(next_url.query) == {"per_page": ["6"], "page": [str(page)]}
        response = api.get(f"{path}?{next_url.query}")
    assert page == 4
    starts = [o["starts_at"] for o in walked]
    assert starts == sorted(starts) and len(set(starts)) == 20
    assert {o["local_starts_at"][11:16] for o in walked} == {"09:00"}
    past = api.get(f"{path}?per_page=6&page=9").json()
    assert past["data"] == [] and past["meta"]["from"] is None and past["meta"]["to"] is None
    assert past["meta"]["current_page"] == 9 and past["links"]["next"] is None


def test_pagination_parameters_are_checked(api, event_type):
    event = series(api, event_type, "2026-01-01T10:00:00Z", "UTC", None)
    for query in ("per_page=0", "per_page=101", "page=0", "page=x"):
        response = api.get(f"/events/{event['id']}/occurrences?{query}")
        assert response.status_code == 400, query


def test_the_ends_of_the_calendar_answer_422_or_200_never_500(api, event_type):
    west = {"event_type_id": event_type["id"], "timezone": "America/New_York"}
    response = api.post("/events", west | {"starts_at": "0001-01-01T03:00:00Z"})
    assert response.status_code == 422  # no local time for it in New York
    assert "starts_at" in response.json()["errors"]
    east = {"event_type_id": event_type["id"], "timezone": "Pacific/Kiritimati"}
    response = api.post("/events", east | {"starts_at": "9999-12-31T20:00:00Z"})
    assert response.status_code == 422
    late = series(
        api,
        event_type,
        "9999-12-20T10:00:00Z",
        "Pacific/Kiritimati",
        {"frequency": "daily", "until": "9999-12-31"},
    )
    path = f"/events/{late['id']}/occurrences"
    for query in (
        "",
        "?from=9999-12-30&to=9999-12-31",
        "?to=9999-12-31T23:59:59Z",
        "?from=0001-01-01",
    ):
        response = api.get(path + query)
        assert response.status_code == 200, (query, response.text)
    assert api.get(path).json()["meta"]["total"] >= 9
    body = {
        "event_type_id": event_type["id"],
        "starts_at": "2026-01-01T10:00:00Z",
        "recurrence": {"frequency": "daily", "until": "9999-12-31"},
    }
    refused = api.post("/events", body)  # 2.9 million occurrences: over the cap
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["recurrence.until"]
    open_ended = series(api, event_type, "2026-01-01T10:00:00Z", "UTC", {"frequency": "daily"})
    far = f"/events/{open_ended['id']}/occurrences?from=9999-01-01&page=2147483647&per_page=100"
    body = api.get(far).json()
    assert body["data"] == [] and body["meta"]["total"] == 363  # up to LATEST, 9999-12-30


def test_a_series_that_ends_has_at_most_730_occurrences(api, event_type):
    body = {"event_type_id": event_type["id"], "starts_at": "2026-01-01T10:00:00Z"}
    at_cap = api.create(
        "/events", body | {"recurrence": {"frequency": "daily", "until": "2027-12-31"}}
    )
    listed = api.get(f"/events/{at_cap['id']}/occurrences?per_page=100&page=8").json()
    assert listed["meta"]["total"] == 730
    assert listed["data"][-1]["starts_at"] == "2027-12-31T10:00:00Z"
    over = {"recurrence": {"frequency": "daily", "until": "2028-01-01"}}
    created = api.post("/events", body | over)
    assert created.status_code == 422
    assert list(created.json()["errors"]) == ["recurrence.until"]
    assert "730" in created.json()["errors"]["recurrence.until"][0]
    updated = api.put(f"/events/{at_cap['id']}", over)
    assert updated.status_code == 422
    assert list(updated.json()["errors"]) == ["recurrence.until"]
    # moving the start of a capped series earlier makes it longer: refused too
    moved = api.put(f"/events/{at_cap['id']}", {"starts_at": "2025-12-31T10:00:00Z"})
    assert moved.status_code == 422
    assert list(moved.json()["errors"]) == ["recurrence.until"]
    too_many = api.post("/events", body | {"recurrence": {"frequency": "daily", "count": 731}})
    assert too_many.status_code == 422
    assert list(too_many.json()["errors"]) == ["recurrence.count"]


def test_an_event_on_the_second_of_two_identical_local_times_starts_there(api, event_type):
    # 2026-11-01T06:30Z is 01:30 EST in New York, after 01:30 EDT (05:30Z) the same night
    event = series(
        api, event_type, "2026-11-01T06:30:00Z", "America/New_York", {"frequency": "weekly"}
    )
    found = api.get(f"/events/{event['id']}/occurrences?per_page=2").json()["data"]
    assert [o["starts_at"] for o in found] == ["2026-11-01T06:30:00Z", "2026-11-08T06:30:00Z"]
    assert found[0]["local_starts_at"] == "2026-11-01T01:30:00-05:00"
    own = api.get(f"/events/{event['id']}/occurrences", params={"from": event["starts_at"]})
    assert own.json()["data"][0]["starts_at"] == "2026-11-01T06:30:00Z"


def test_open_ended_horizon_counts_from_the_start_when_from_is_earlier(api, event_type):
    event = series(api, event_type, "2026-01-01T10:00:00Z", "UTC", {"frequency": "daily"})
    path = f"/events/{event['id']}/occurrences"
    earlier = api.get(path, params={"from": "2025-01-01", "per_page": 1}).json()
    absent = api.get(path, params={"per_page": 1}).json()
    assert earlier["meta"]["total"] == absent["meta"]["total"] == 366
    assert earlier["data"] == absent["data"]


def test_local_mean_time_offsets_are_rounded_to_whole_minutes(api, event_type):
    # Before 1911 Paris kept local mean time, UTC+00:09:21: RFC 3339 offsets are HH:MM.
    event = series(
        api, event_type, "1829-02-24T11:13:06Z", "Europe/Paris", {"frequency": "weekly", "count": 2}
    )
    found = occurrences(api, event)
    assert [o["local_starts_at"] for o in found] == [
        "1829-02-24T11:22:06+00:09",  # the same instant as starts_at
        "1829-03-03T11:22:06+00:09",
    ]
    for o in found:
        local = datetime.fromisoformat(o["local_starts_at"])
        assert local == datetime.fromisoformat(o["starts_at"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", o["local_starts_at"])
