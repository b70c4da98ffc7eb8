"""Events (bookings), optionally recurring.

The recurrence is kept as one JSON value: it is always read and written whole, and its
occurrences are computed (`domain.recurrence`), never stored. Events are never deleted, so
the event types, clients and locations they refer to cannot be deleted under them (RESTRICT).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdType, TeamScoped, Timestamped, UTCDateTime


class Event(TeamScoped, Timestamped, Base):
    __tablename__ = "events"
    __table_args__ = (
        # the list order (starts_at, id) and the from/to filter on starts_at
        Index("ix_events_team_starts", "team_id", "starts_at", "id"),
        Index("ix_events_team_status_starts", "team_id", "status", "starts_at"),
        Index("ix_events_team_event_type", "team_id", "event_type_id"),
        Index("ix_events_team_client", "team_id", "client_id"),
        Index("ix_events_team_location", "team_id", "location_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    event_type_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("event_types.id", ondelete="RESTRICT"), nullable=False
    )
    client_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("clients.id", ondelete="RESTRICT"), nullable=True
    )
    location_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("locations.id", ondelete="RESTRICT"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancellation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )


# Each team's number of events, kept by triggers on `events` (migration 0003): an unfiltered
# list reads one row instead of counting the team's events. Never written by the application.
team_event_counts = Table(
    "team_event_counts",
    Base.metadata,
    Column("team_id", IdType, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("n", BigInteger, nullable=False),
)
