"""The shared declarative base and the mixins every resource table uses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Ids and the columns that hold one: BIGINT, as the contract allows ids up to 2^63-1. On SQLite
# an INTEGER, which is 64-bit there and, as a primary key, the ROWID that numbers new rows
# (a BIGINT primary key would not be).
IdType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """One metadata for every model module, so Alembic sees all tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A UTC instant stored without zone (same text on SQLite and PostgreSQL), read back aware.

    Whole seconds only: the wire format has no fractions, and a filter on a timestamp must
    compare the value the client saw.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

    def result_processor(self, dialect, coltype):
        if dialect.name == "sqlite":
            return _aware_from_sqlite_text
        return super().result_processor(dialect, coltype)


def _aware_from_sqlite_text(value: str | None) -> datetime | None:
    """SQLite's stored text (`2026-03-16 08:00:00.000000`) as an aware UTC instant in one C
    call: parsing it naive and then `replace(tzinfo=UTC)` costs eight times as much."""
    return None if value is None else datetime.fromisoformat(value + "+00:00")


class WireTimestamp(TypeDecorator):
    """A `UTCDateTime` column read straight into its wire form, `2026-03-16T08:00:00Z`.

    For reads that only answer the value (lists, one event): the stored value becomes the
    RFC 3339 text without an intermediate aware datetime. Use as
    `type_coerce(Event.starts_at, WireTimestamp)` in a select; never for binds.
    """

    impl = DateTime
    cache_ok = True

    def result_processor(self, dialect, coltype):
        if dialect.name == "sqlite":
            return _wire_from_sqlite_text
        return _wire_from_naive_utc

    def process_bind_param(self, value, dialect):
        raise TypeError("WireTimestamp is for reading; compare and write with UTCDateTime")


def _wire_from_sqlite_text(value: str | None) -> str | None:
    # `YYYY-MM-DD HH:MM:SS.ffffff` (SQLAlchemy's SQLite storage, years zero-padded)
    return None if value is None else f"{value[:10]}T{value[11:19]}Z"


def _wire_from_naive_utc(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


class ExactDecimal(TypeDecorator):
    """A fixed-point decimal stored exactly: NUMERIC on PostgreSQL, canonical text on SQLite
    (whose NUMERIC affinity would turn it into a binary float)."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self.scale = scale
        self.quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(self.impl.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        exact = Decimal(value).quantize(self.quantum)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value, dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self.quantum)


def utcnow() -> datetime:
    """Now, in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


class TeamScoped:
    """Marks a table whose rows belong to one team; `db.py` filters every query by team.

    Give each such table composite indexes that start with `team_id` (every query has it).
    """

    @declared_attr
    def team_id(cls) -> Mapped[int]:
        return mapped_column(IdType, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)


class Timestamped:
    """`created_at` / `updated_at`, set by the ORM."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
