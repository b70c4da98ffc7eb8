"""The team's own simple resources: event types, clients, locations, workflows, taxes.

String columns that lists sort by use the "C" collation on PostgreSQL, so an index serves
the code-point order the contract promises (SQLite's BINARY already is that order).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, ExactDecimal, IdType, TeamScoped, Timestamped


def sortable_string(length: int) -> String:
    """A string column compared by code point on every backend."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class EventType(TeamScoped, Timestamped, Base):
    __tablename__ = "event_types"
    __table_args__ = (
        UniqueConstraint("team_id", "slug"),
        Index("ix_event_types_team_name", "team_id", "name", "id"),
        Index("ix_event_types_team_kind", "team_id", "kind"),
        Index("ix_event_types_team_active", "team_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(sortable_string(255), nullable=False)
    slug: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    price: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    max_attendees: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    color: Mapped[str] = mapped_column(String(7), nullable=False, default="#3B82F6")


class Client(TeamScoped, Timestamped, Base):
    __tablename__ = "clients"
    __table_args__ = (Index("ix_clients_team_name", "team_id", "name", "id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(sortable_string(255), nullable=False)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    tag_rows: Mapped[list[ClientTag]] = relationship(
        order_by="ClientTag.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @tags.setter
    def tags(self, values: list[str]) -> None:
        self.tag_rows = [ClientTag(position=i, tag=tag) for i, tag in enumerate(values)]


class ClientTag(Base):
    """One tag of a client; a row per tag so `?tag=` is an indexed lookup."""

    __tablename__ = "client_tags"
    __table_args__ = (
        UniqueConstraint("client_id", "tag"),
        Index("ix_client_tags_tag_client", "tag", "client_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    tag: Mapped[str] = mapped_column(String(50), nullable=False)


class Location(TeamScoped, Timestamped, Base):
    __tablename__ = "locations"
    __table_args__ = (
        Index("ix_locations_team_name", "team_id", "name", "id"),
        Index("ix_locations_team_kind", "team_id", "kind"),
        Index("ix_locations_team_active", "team_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(sortable_string(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Workflow(TeamScoped, Timestamped, Base):
    __tablename__ = "workflows"
    __table_args__ = (
        Index("ix_workflows_team_name", "team_id", "name", "id"),
        Index("ix_workflows_team_trigger", "team_id", "trigger"),
        Index("ix_workflows_team_active", "team_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(sortable_string(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    event_type_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("event_types.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    trigger: Mapped[str] = mapped_column(String(30), nullable=False)
    offset_value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    offset_unit: Mapped[str | None] = mapped_column(String(10), nullable=True)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)


class Tax(TeamScoped, Timestamped, Base):
    __tablename__ = "taxes"
    __label__ = "tax"  # for messages: "No tax with id 7."
    __table_args__ = (
        Index("ix_taxes_team_name", "team_id", "name", "id"),
        Index("ix_taxes_team_inclusive", "team_id", "inclusive"),
        Index("ix_taxes_team_active", "team_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(sortable_string(100), nullable=False)
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), nullable=False)
    inclusive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
