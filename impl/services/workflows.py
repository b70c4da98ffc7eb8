"""Workflows: ordered actions run when a trigger fires, for one event type or all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select

from ..data.db import TeamConnection
from ..data.listing import Listing, ListQuery
from ..data.models.resources import EventType, Workflow
from .common import Rows, Rules, present, row_serializer, violation_is_422, wire_columns

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
EVENT_TYPE_INVALID = "The selected event type id is invalid."

LIST_FIELDS = {
    "id": Workflow.id,
    "name": Workflow.name,
    "trigger": Workflow.trigger,
    "is_active": Workflow.is_active,
    "event_type_id": Workflow.event_type_id,
}

STORED = ("name", "is_active", "event_type_id", "trigger", "offset_value", "offset_unit", "actions")
COLUMNS = wire_columns(Workflow, ("id", *STORED, "created_at", "updated_at"))
_stored = row_serializer(COLUMNS)


def serialize(row: Any) -> dict[str, Any]:
    """A workflow as answered: the offset as one object, every action with every field."""
    stored = _stored(row)
    offset = None
    if stored["offset_value"] is not None:
        offset = {"value": stored["offset_value"], "unit": stored["offset_unit"]}
    return {
        "id": stored["id"],
        "name": stored["name"],
        "is_active": stored["is_active"],
        "event_type_id": stored["event_type_id"],
        "trigger": stored["trigger"],
        "trigger_offset": offset,
        "actions": [_action_out(action) for action in stored["actions"]],
        "created_at": stored["created_at"],
        "updated_at": stored["updated_at"],
    }


def _action_out(action: dict[str, Any]) -> dict[str, Any]:
    return {"type": action["type"], **{f: action.get(f) for f in OPTIONAL_ACTION_FIELDS}}


ROWS = Rows(Workflow, COLUMNS)
_TYPE_FOUND = (
    select(EventType.id)
    .where(EventType.id == bindparam("event_type_id"))
    .scalar_subquery()
    .label("type_found")
)
_LOCKED_WITH_TYPE = ROWS.locked.add_columns(_TYPE_FOUND)
_TYPE_CHECK = select(_TYPE_FOUND)

LISTING = Listing(select(*COLUMNS), LIST_FIELDS, serialize)


async def list_workflows(db: TeamConnection, query: ListQuery) -> dict[str, Any]:
    return await LISTING.page(db, query)


async def get_workflow(db: TeamConnection, id_: int) -> dict[str, Any]:
    return serialize(await ROWS.get(db, id_))


async def create_workflow(db: TeamConnection, body: dict[str, Any]) -> dict[str, Any]:
    """The event type it names looked up, then one INSERT (its foreign key refuses an event
    type deleted in between)."""
    body = {"event_type_id": None, "trigger_offset": None, **body}
    type_found = body["event_type_id"] is None or (
        await db.scalar(_TYPE_CHECK, {"event_type_id": body["event_type_id"]}) is not None
    )
    values = _values(body, None, type_found)
    async with violation_is_422("event_type_id", EVENT_TYPE_INVALID):
        return serialize(await ROWS.create(db, values))


async def update_workflow(db: TeamConnection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
    async with db.transaction():
        if body.get("event_type_id") is not None:
            type_id = body["event_type_id"]
            current = await ROWS.get(db, id_, _LOCKED_WITH_TYPE, event_type_id=type_id)
            type_found = current.type_found is not None
        else:
            current = await ROWS.get(db, id_, ROWS.locked)
            type_found = True
        wanted = _values(body, current._mapping, type_found)
        async with violation_is_422("event_type_id", EVENT_TYPE_INVALID):
            return serialize(await ROWS.write(db, current, wanted))


async def delete_workflow(db: TeamConnection, id_: int) -> None:
    await ROWS.remove(db, id_, "The workflow is still referenced.")


def _values(
    body: Mapping[str, Any], current: Mapping[str, Any] | None, type_found: bool
) -> dict[str, Any]:
    """The stored columns of the workflow as it would be after `body`, checked whole."""
    current = current or {}
    trigger = body.get("trigger", current.get("trigger"))
    if "trigger_offset" in body:
        offset = body["trigger_offset"]
    elif current.get("offset_value") is not None:
        offset = {"value": current["offset_value"], "unit": current["offset_unit"]}
    else:
        offset = None
    actions = body.get("actions", current.get("actions"))
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
    if not type_found:
        rules.fail("event_type_id", EVENT_TYPE_INVALID)
    rules.check()
    values = present(body, ("name", "is_active", "event_type_id", "trigger"))
    values["offset_value"] = offset["value"] if offset else None
    values["offset_unit"] = offset["unit"] if offset else None
    if "actions" in body:
        values["actions"] = [_action_stored(action) for action in body["actions"]]
    return values


def _check_action(rules: Rules, index: int, action: dict[str, Any]) -> None:
    needed = ACTION_FIELDS[action["type"]]
    for field in OPTIONAL_ACTION_FIELDS:
        key = f"actions.{index}.{field}"
        present_ = action.get(field) is not None
        if field in needed and not present_:
            rules.fail(
                key, f"The {key} field is required when actions.{index}.type is {action['type']}."
            )
        elif field not in needed and present_:
            rules.fail(
                key,
                f"The {key} field is prohibited when actions.{index}.type is {action['type']}.",
            )


def _action_stored(action: dict[str, Any]) -> dict[str, Any]:
    needed = ACTION_FIELDS[action["type"]]
    return {"type": action["type"], **{field: action[field] for field in needed}}
