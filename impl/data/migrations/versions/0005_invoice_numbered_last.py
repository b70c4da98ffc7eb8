"""PostgreSQL: invoice numbers are unique among numbered invoices (sequence > 0).

An invoice is numbered last in its transaction on PostgreSQL (`services.invoices`): the row
is written with sequence 0, its lines and taxes after it, and one statement then takes the
team's next number and sets it, so the team's counter row is locked for one round trip
instead of four. Sequence 0 is only ever seen inside the creating transaction; the unique
key holds every committed invoice. SQLite, whose writers hold the whole database's lock
anyway, numbers first and keeps its table constraint.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint("uq_invoices_team_id_sequence", "invoices", type_="unique")
    op.create_index(
        "uq_invoices_team_id_sequence",
        "invoices",
        ["team_id", "sequence"],
        unique=True,
        postgresql_where="sequence > 0",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("uq_invoices_team_id_sequence", table_name="invoices")
    op.create_unique_constraint("uq_invoices_team_id_sequence", "invoices", ["team_id", "sequence"])
