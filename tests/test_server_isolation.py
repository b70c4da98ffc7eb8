"""Team isolation: another team's ids answer 404 on every id route, lists never mix teams,
and the one scoping rule in `db.py` refuses statements that could cross teams."""

from __future__ import annotations

import pytest
from schedulingkit.impl.data.db import TEAM_PARAM, ScopingError
from schedulingkit.impl.data.json_sql import json_array
from schedulingkit.impl.data.models.bookings import team_event_counts
from schedulingkit.impl.data.models.platform import Team
from schedulingkit.impl.data.models.resources import Client, EventType, Tax
from sqlalchemy import bindparam, delete, func, insert, select, true, update

CREATE = {
    "/event-types": {
        "name": "Secret",
        "slug": "secret",
        "kind": "one_on_one",
        "duration_minutes": 30,
    },
    "/clients": {"name": "Secret client", "tags": ["vip"]},
    "/locations": {"name": "Secret room", "kind": "in_person"},
    "/workflows": {
        "name": "Secret flow",
        "trigger": "event_scheduled",
        "actions": [{"type": "sms", "body": "hi"}],
    },
    "/taxes": {"name": "Secret tax", "rate": "7"},
}


@pytest.mark.parametrize("path", sorted(CREATE))
def test_another_teams_ids_are_404_and_unchanged(make_api, path):
    owner, intruder = make_api(), make_api()
    created = owner.create(path, CREATE[path])
    intruder.create(
        path, {**CREATE[path], "name": "Own"} | ({"slug": "own"} if "slug" in CREATE[path] else {})
    )
    target = f"{path}/{created['id']}"
    for response in (
        intruder.get(target),
        intruder.put(target, {"name": "Hijacked"}),
        intruder.delete(target),
    ):
        assert response.status_code == 404, response.text
        assert set(response.json()) == {"message"}
    assert owner.get(target).json()["data"] == created
    listed = intruder.get(path, params={"per_page": 100}).json()
    assert created["id"] not in [item["id"] for item in listed["data"]]
    assert listed["meta"]["total"] == 1
    searched = intruder.get(path, params={"search": "secret"}).json()
    assert searched["data"] == [] and searched["meta"]["total"] == 0


def test_team_route_answers_only_the_tokens_team(make_api):
    first, second = make_api(name="First"), make_api(name="Second")
    second.put("/team", {"name": "Second renamed"})
    assert first.get("/team").json()["data"]["name"] == "First"
    assert second.get("/team").json()["data"]["name"] == "Second renamed"


def test_the_tag_filter_stays_inside_the_team(make_api):
    owner, intruder = make_api(), make_api()
    owner.create("/clients", {"name": "A", "tags": ["shared-tag"]})
    assert intruder.get("/clients?tag=shared-tag").json()["meta"]["total"] == 0


def test_a_platform_session_refuses_team_tables(app):
    with app.database.system_session() as session:
        for statement in (
            select(Client),
            select(func.count(Tax.id)),
            select(func.count()).select_from(select(EventType).subquery()),
        ):
            with pytest.raises(ScopingError):
                session.execute(statement)
    with pytest.raises(ScopingError), app.database.system_session() as session:
        session.add(Tax(name="Smuggled", rate="1", team_id=1))


def test_a_team_connection_reads_and_writes_only_its_team(as_team, make_api):
    owner, other = make_api(), make_api()
    created = owner.create("/taxes", CREATE["/taxes"])
    count = select(func.count()).select_from(select(Tax.id).subquery())

    async def as_other(db):
        seen = await db.scalar(count)
        names = (await db.execute(select(Tax.name))).all()
        renamed = await db.execute(
            update(Tax).where(Tax.id == created["id"]).values(name="Hijacked")
        )
        deleted = await db.execute(delete(Tax).where(Tax.id == created["id"]))
        stamped = await db.first(insert(Tax).returning(Tax.team_id), {"name": "Own", "rate": 2})
        return seen, names, renamed.rowcount, deleted.rowcount, stamped.team_id

    assert as_team(other.team_id, as_other) == (0, [], 0, 0, other.team_id)
    assert owner.get(f"/taxes/{created['id']}").json()["data"] == created
    assert as_team(owner.team_id, lambda db: db.scalar(count)) == 1


def test_plain_core_statements_on_team_tables_are_refused(as_team, make_api):
    """The criterion reaches ORM entities only: a statement on the bare table would escape it."""
    team = make_api()
    table = Tax.__table__

    async def attempt(db):
        refused = []
        for bare in (
            select(table.c.name),
            select(team_event_counts.c.n).where(
                team_event_counts.c.team_id.in_(select(table.c.team_id))
            ),
            table.update().values(name="x"),
            table.delete(),
            table.insert().values(name="x", rate=1, team_id=team.team_id),
        ):
            try:
                await db.execute(bare)
            except ScopingError:
                refused.append(True)
        return refused

    assert as_team(team.team_id, attempt) == [True] * 5


def test_children_aggregated_as_json_stay_inside_the_team(as_team, make_api):
    """`json_array` builds its subquery when the statement compiles, beyond the criterion's
    reach: over a team-scoped table it adds the team condition itself."""
    owner, other = make_api(), make_api()
    owner.create("/taxes", CREATE["/taxes"])
    names = json_array(Tax.name, source=Tax, where=true(), order_by=[Tax.id])
    # one row: the caller's team (an ORM entity, so the statement takes the ORM path)
    statement = select(names.label("names")).where(Team.id == bindparam(TEAM_PARAM))

    async def read(db):
        return await db.scalar(statement)

    assert as_team(owner.team_id, read) == ["Secret tax"]
    assert as_team(other.team_id, read) == []
