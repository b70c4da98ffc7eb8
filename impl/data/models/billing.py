"""Invoices with their lines and tax snapshots, the transactions they record, and the
per-team invoice number sequence.

Money is integer minor units (BIGINT). The computed amounts are stored, not only derived,
so lists can be filtered and ordered by them and an invoice reads back exactly what it was
billed. A line's taxes are copies (name, rate, inclusive) with no foreign key to `taxes`:
deleting or editing a tax later leaves existing invoices as they were.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, ExactDecimal, IdType, TeamScoped, Timestamped, UTCDateTime, utcnow


class InvoiceSequence(Base):
    """The last invoice number a team used; bumped with UPDATE ... RETURNING (a row lock)."""

    __tablename__ = "invoice_sequences"

    team_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    last_value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class Invoice(TeamScoped, Timestamped, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("team_id", "sequence"),
        # the list order (issue_date desc, id desc) and the from/to filter on issue_date
        Index("ix_invoices_team_issue_date", "team_id", "issue_date", "id"),
        Index("ix_invoices_team_status", "team_id", "status"),
        Index("ix_invoices_team_client", "team_id", "client_id"),
        Index("ix_invoices_team_event", "team_id", "event_id"),
        Index("ix_invoices_team_number", "team_id", "number"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    # Bumped by every UPDATE (`WHERE version = ?`): a concurrent change of the same invoice
    # makes the later writer fail instead of, say, recording a second payment.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    client_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("clients.id", ondelete="RESTRICT"), nullable=False
    )
    event_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("events.id", ondelete="RESTRICT"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    discount: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    subtotal: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    tax_total: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    total: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    amount_paid: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    amount_due: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    terms: Mapped[str | None] = mapped_column(Text, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __mapper_args__ = {"version_id_col": version}

    items: Mapped[list[InvoiceItem]] = relationship(
        order_by="InvoiceItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )


class InvoiceItem(Base):
    """One line of an invoice (reached only through its invoice, so scoped by it)."""

    __tablename__ = "invoice_items"
    __table_args__ = (Index("ix_invoice_items_invoice_position", "invoice_id", "position"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    taxes: Mapped[list[InvoiceItemTax]] = relationship(
        order_by="InvoiceItemTax.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )


class InvoiceItemTax(Base):
    """A tax as it was when applied to a line: a snapshot, deliberately not a foreign key."""

    __tablename__ = "invoice_item_taxes"
    __table_args__ = (Index("ix_invoice_item_taxes_item_position", "item_id", "position"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("invoice_items.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    tax_id: Mapped[int] = mapped_column(IdType, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), nullable=False)
    inclusive: Mapped[bool] = mapped_column(Boolean, nullable=False)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)


class Transaction(TeamScoped, Base):
    """A payment or refund, recorded by an invoice status change; never updated."""

    __tablename__ = "transactions"
    __table_args__ = (
        # the list order (processed_at desc, id desc) and the from/to filter on processed_at
        Index("ix_transactions_team_processed", "team_id", "processed_at", "id"),
        Index("ix_transactions_team_type", "team_id", "type"),
        Index("ix_transactions_team_status", "team_id", "status"),
        Index("ix_transactions_team_provider", "team_id", "provider"),
        Index("ix_transactions_team_invoice", "team_id", "invoice_id"),
        Index("ix_transactions_team_client", "team_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    type: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    fee: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    invoice_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("invoices.id", ondelete="RESTRICT"), nullable=True
    )
    client_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("clients.id", ondelete="RESTRICT"), nullable=True
    )
    description: Mapped[str] = mapped_column(String(255), nullable=False)
    provider_reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
