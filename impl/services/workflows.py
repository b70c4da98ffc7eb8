"""Workflows: ordered actions run when a trigger fires, for one event type or all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..listing import Listing, ListQuery
from ..models.resources import EventType, Workflow
from .common import Rules, assign, delete_row, get_or_404, iso

TIMED_TRIGGERS = ("before_event", "after_event")

# the fields each action type needs; the others must be absent or null
ACTION_FIELDS = {
    "email_invitee": ("subject", "body"),
    "email_host": ("subject", "body"),
    "sms": ("body",),
    "add_tag": ("tag",),
    "remove_tag": ("tag",),
}
OPTIONAL_ACTION_FIELDS = ("subject", "body", "tag")

LIST_FIELDS = {
    "id": Workflow.id,
    "name": Workflow.name,
    "trigger": Workflow.trigger,
    "is_active": Workflow.is_active,
    "event_type_id": Workflow.event_type_id,
}


def serialize(row: Workflow) -> dict[str, Any]:
    offset = None
    if row.offset_value is not None:
        offset = {"value": row.offset_value, "unit": row.offset_unit}
    return {
        "id": row.id,
        "name": row.name,
        "is_active": row.is_active,
        "event_type_id": row.event_type_id,
        "trigger": row.trigger,
        "trigger_offset": offset,
        "actions": [_action_out(action) for action in row.actions],
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def _action_out(action: dict[str, Any]) -> dict[str, Any]:
    return {"type": action["type"], **{f: action.get(f) for f in OPTIONAL_ACTION_FIELDS}}


LISTING = Listing(select(Workflow), LIST_FIELDS, serialize)


def list_workflows(session: Session, query: ListQuery) -> dict[str, Any]:
    return LISTING.page(session, query)


def get_workflow(session: Session, id_: int) -> dict[str, Any]:
    return serialize(get_or_404(session, Workflow, id_))


def create_workflow(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    row = Workflow()
    _apply(session, row, {"event_type_id": None, "trigger_offset": None, **body})
    session.add(row)
    session.flush()
    return serialize(row)


def update_workflow(session: Session, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    row = get_or_404(session, Workflow, id_)
    _apply(session, row, body)
    session.flush()
    return serialize(row)


def delete_workflow(session: Session, id_: int) -> None:
    delete_row(session, get_or_404(session, Workflow, id_), "The workflow is still referenced.")


def _apply(session: Session, row: Workflow, body: dict[str, Any]) -> None:
    """Check the workflow as it would be after `body`, then write it."""
    trigger = body.get("trigger", row.trigger)
    if "trigger_offset" in body:
        offset = body["trigger_offset"]
    elif row.offset_value is not None:
        offset = {"value": row.offset_value, "unit": row.offset_unit}
    else:
        offset = None
    actions = body.get("actions", row.actions)
    rules = Rules()
    if trigger in TIMED_TRIGGERS and offset is None:
        rules.fail(
            "trigger_offset", f"The trigger offset field is required when trigger is {trigger}."
        )
    if trigger not in TIMED_TRIGGERS and offset is not None:
        rules.fail(
            "trigger_offset",
            "The trigger offset field is prohibited unless trigger is before_event or after_event.",
        )
    for index, action in enumerate(actions or ()):
        _check_action(rules, index, action)
    event_type_id = body.get("event_type_id", row.event_type_id)
    if (
        "event_type_id" in body
        and event_type_id is not None
        and session.get(EventType, event_type_id) is None
    ):
        rules.fail("event_type_id", "The selected event type id is invalid.")
    rules.check()
    assign(row, body, ("name", "is_active", "event_type_id", "trigger"))
    row.offset_value = offset["value"] if offset else None
    row.offset_unit = offset["unit"] if offset else None
    if "actions" in body:
        row.actions = [_action_stored(action) for action in body["actions"]]


def _check_action(rules: Rules, index: int, action: dict[str, Any]) -> None:
    needed = ACTION_FIELDS[action["type"]]
    for field in OPTIONAL_ACTION_FIELDS:
        key = f"actions.{index}.{field}"
        present = action.get(field) is not None
        if field in needed and not present:
            rules.fail(
                key, f"The {key} field is required when actions.{index}.type is {action['type']}."
            )
        elif field not in needed and present:
            rules.fail(
                key,
                f"The {key} field is prohibited when actions.{index}.type is {action['type']}.",
            )


def _action_stored(action: dict[str, Any]) -> dict[str, Any]:
    needed = ACTION_FIELDS[action["type"]]
    return {"type": action["type"], **{field: action[field] for field in needed}}
