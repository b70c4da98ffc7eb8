"""Migration 0004 on a PostgreSQL database that already holds data: ids become BIGINT, the
sequences that number them go past 2^31-1, and the event-count trigger keeps counting."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from schedulingkit.impl.data import migrate
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "SCHEDULINGKIT_TEST_POSTGRES_URL"


@pytest.fixture
def empty_postgresql() -> Iterator[str]:
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    base = make_url(raw)
    name = f"{base.database}_migr_{secrets.token_hex(3)}"
    admin = create_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


SEED = """
INSERT INTO teams (name, slug, timezone, currency, invoice_prefix, created_at, updated_at)
  VALUES ('Acme', 'acme', 'UTC', 'EUR', 'INV', now(), now());
INSERT INTO event_types (team_id, name, slug, kind, duration_minutes, buffer_before_minutes,
  buffer_after_minutes, price, currency, is_active, color, created_at, updated_at)
  VALUES (1, 'Call', 'call', 'one_on_one', 30, 0, 0, 0, 'EUR', true, '#336699', now(), now());
"""
EVENT = """
INSERT INTO events (team_id, event_type_id, title, starts_at, ends_at, timezone, status,
  created_at, updated_at)
  VALUES (:team, 1, 'Call', now(), now() + interval '30 minutes', 'UTC', 'confirmed', now(), now())
"""


def test_0004_keeps_data_and_widens_ids(empty_postgresql):
    url = empty_postgresql
    migrate.upgrade(url, "0003")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in SEED.strip().split(";\n"):
                connection.execute(text(statement))
            connection.execute(text(EVENT), {"team": 1})
        migrate.upgrade(url)
        with engine.begin() as connection:
            types = dict(
                connection.execute(
                    text(
                        "SELECT table_name || '.' || column_name, data_type"
                        " FROM information_schema.columns WHERE table_schema = 'public'"
                        " AND (column_name = 'id' OR column_name LIKE '%\\_id')"
                    )
                ).all()
            )
            assert types["events.id"] == types["events.team_id"] == "bigint"
            assert types["invoice_item_taxes.tax_id"] == types["teams.id"] == "bigint"
            assert {kind for kind in types.values()} == {"bigint"}, types
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('teams', 'id'), 3000000000)")
            )
            connection.execute(
                text(
                    "INSERT INTO teams (name, slug, timezone, currency, invoice_prefix,"
                    " created_at, updated_at)"
                    " VALUES ('Big', 'big', 'UTC', 'EUR', 'B', now(), now())"
                )
            )
            big = connection.scalar(text("SELECT id FROM teams WHERE slug = 'big'"))
            assert big == 3000000001
            connection.execute(text(EVENT), {"team": 1})
            connection.execute(text("UPDATE events SET team_id = :big WHERE id = 1"), {"big": big})
            counts = dict(
                connection.execute(text("SELECT team_id, n FROM team_event_counts")).all()
            )
            assert counts == {1: 1, big: 1}  # the trigger counted the insert and the move
            assert connection.scalar(text("SELECT count(*) FROM events")) == 2
    finally:
        engine.dispose()
