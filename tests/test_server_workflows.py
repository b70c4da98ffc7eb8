"""Workflows: trigger offsets for timed triggers only, action fields by type."""

from __future__ import annotations

import pytest

CONFIRM = {
    "name": "Booking confirmation",
    "trigger": "event_scheduled",
    "actions": [
        {"type": "email_invitee", "subject": "Booked", "body": "See you {client.name}"},
        {"type": "add_tag", "tag": "booked"},
    ],
}


def test_create_and_read_back(api):
    created = api.create("/workflows", CONFIRM)
    assert created["is_active"] is True
    assert created["event_type_id"] is None
    assert created["trigger_offset"] is None
    assert created["actions"] == [
        {
            "type": "email_invitee",
            "subject": "Booked",
            "body": "See you {client.name}",
            "tag": None,
        },
        {"type": "add_tag", "subject": None, "body": None, "tag": "booked"},
    ]
    assert api.get(f"/workflows/{created['id']}").json()["data"] == created


@pytest.mark.parametrize("trigger", ["before_event", "after_event"])
def test_timed_triggers_need_an_offset(api, trigger):
    missing = api.post("/workflows", {**CONFIRM, "trigger": trigger})
    assert missing.status_code == 422
    assert list(missing.json()["errors"]) == ["trigger_offset"]
    offset = {"value": 2, "unit": "days"}
    created = api.create("/workflows", {**CONFIRM, "trigger": trigger, "trigger_offset": offset})
    assert created["trigger_offset"] == offset


def test_untimed_triggers_forbid_an_offset(api):
    response = api.post("/workflows", {**CONFIRM, "trigger_offset": {"value": 1, "unit": "hours"}})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["trigger_offset"]


def test_changing_the_trigger_rechecks_the_offset(api):
    timed = api.create(
        "/workflows",
        {**CONFIRM, "trigger": "before_event", "trigger_offset": {"value": 1, "unit": "hours"}},
    )
    refused = api.put(f"/workflows/{timed['id']}", {"trigger": "event_cancelled"})
    assert refused.status_code == 422
    moved = api.put(
        f"/workflows/{timed['id']}", {"trigger": "event_cancelled", "trigger_offset": None}
    )
    assert moved.status_code == 200
    assert moved.json()["data"]["trigger_offset"] is None
    assert moved.json()["data"]["actions"] == timed["actions"]


def test_action_fields_by_type(api):
    response = api.post(
        "/workflows",
        {
            **CONFIRM,
            "actions": [
                {"type": "email_host", "subject": "New booking"},
                {"type": "sms", "body": "Hi", "tag": "x"},
                {"type": "remove_tag"},
                {"type": "add_tag", "tag": "ok", "subject": None},
            ],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "actions.0.body": [
            "The actions.0.body field is required when actions.0.type is email_host."
        ],
        "actions.1.tag": ["The actions.1.tag field is prohibited when actions.1.type is sms."],
        "actions.2.tag": ["The actions.2.tag field is required when actions.2.type is remove_tag."],
    }


def test_event_type_must_be_the_teams_own(api, make_api):
    foreign = make_api().create(
        "/event-types", {"name": "X", "slug": "x", "kind": "one_on_one", "duration_minutes": 30}
    )
    response = api.post("/workflows", {**CONFIRM, "event_type_id": foreign["id"]})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["event_type_id"]
    own = api.create(
        "/event-types", {"name": "Y", "slug": "y", "kind": "one_on_one", "duration_minutes": 30}
    )
    assert (
        api.create("/workflows", {**CONFIRM, "event_type_id": own["id"]})["event_type_id"]
        == (own["id"])
    )


def test_empty_actions_and_delete(api):
    assert api.post("/workflows", {**CONFIRM, "actions": []}).status_code == 422
    created = api.create("/workflows", CONFIRM)
    assert api.delete(f"/workflows/{created['id']}").status_code == 204
    assert api.get(f"/workflows/{created['id']}").status_code == 404
