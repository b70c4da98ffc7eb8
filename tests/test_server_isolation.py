"""Team isolation: another team's ids answer 404 on every id route, lists never mix teams,
and the one scoping rule in `db.py` refuses statements that could cross teams."""

from __future__ import annotations

import pytest
from schedulingkit.impl.db import TEAM_PARAM, DriverQuery, ScopingError
from schedulingkit.impl.models.bookings import team_event_counts
from schedulingkit.impl.models.resources import Client, EventType, Tax
from sqlalchemy import bindparam, func, select

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


def test_a_session_without_team_refuses_scoped_statements(app):
    with app.database.sessions() as session:
        for statement in (
            select(Client),
            select(func.count(Tax.id)),
            select(func.count()).select_from(select(EventType).subquery()),
        ):
            with pytest.raises(ScopingError):
                session.execute(statement)


def test_a_team_session_sees_and_writes_only_its_team(app, make_api):
    owner, other = make_api(), make_api()
    created = owner.create("/taxes", CREATE["/taxes"])
    with app.database.team_session(other.team_id) as session:
        assert session.get(Tax, created["id"]) is None
        assert session.scalar(select(func.count()).select_from(select(Tax).subquery())) == 0
        session.add(Tax(name="Smuggled", rate="1", team_id=owner.team_id))
        with pytest.raises(ScopingError):
            session.flush()
        session.rollback()
    with app.database.unit_of_work(other.team_id) as session:
        stamped = Tax(name="Own", rate="2")
        session.add(stamped)
        session.flush()
        assert stamped.team_id == other.team_id


def test_a_team_reader_sees_only_its_team(app, make_api):
    owner, other = make_api(), make_api()
    owner.create("/taxes", CREATE["/taxes"])
    count = select(func.count()).select_from(select(Tax.id).subquery())
    with app.database.reader(owner.team_id) as reader:
        assert reader.scalar(count) == 1
    with app.database.reader(other.team_id) as reader:
        assert reader.scalar(count) == 0
        assert reader.execute(select(Tax.name)).all() == []


def test_plain_core_statements_on_team_tables_are_refused(app, make_api):
    """The criterion reaches ORM entities only: a statement on the bare table would escape it."""
    team = make_api()
    team.create("/taxes", CREATE["/taxes"])
    bare = select(Tax.__table__.c.name)
    with app.database.reader(team.team_id) as reader, pytest.raises(ScopingError):
        reader.execute(bare)
    with app.database.team_session(team.team_id) as session, pytest.raises(ScopingError):
        session.execute(bare)


def test_driver_run_queries_must_filter_by_team_themselves(app, make_api):
    """A driver-run query cannot be given the criterion: it may only read tables that are not
    team-scoped, filtered by the reader's own team parameter."""
    owner, other = make_api(), make_api()
    owner.create("/taxes", CREATE["/taxes"])
    counts = DriverQuery(
        select(team_event_counts.c.n).where(team_event_counts.c.team_id == bindparam(TEAM_PARAM))
    )
    event_type = owner.create("/event-types", CREATE["/event-types"])
    owner.create(
        "/events", {"event_type_id": event_type["id"], "starts_at": "2026-03-16T09:00:00Z"}
    )
    with app.database.reader(owner.team_id) as reader:
        assert reader.first(counts) == (1,)
    with app.database.reader(other.team_id) as reader:
        assert reader.first(counts) is None
        for escaping in (select(Tax.name), select(Tax.__table__.c.name)):
            with pytest.raises(ScopingError):
                reader.first(DriverQuery(escaping))
