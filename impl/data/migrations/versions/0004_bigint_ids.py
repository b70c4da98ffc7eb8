"""Ids are BIGINT on PostgreSQL: the contract allows ids up to 2^63-1 (Laravel's big
increments), and an INTEGER column stops at 2^31-1.

Every id and every column that refers to one becomes BIGINT, and so do the sequences that
number the ids (SERIAL made them `AS integer`). SQLite's INTEGER is already 64-bit, and an
INTEGER PRIMARY KEY is the table's ROWID (its automatic ids), so nothing changes there.

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# table -> its id (when it has one) and the columns that refer to ids
ID_COLUMNS = {
    'teams': ('id',),
    'api_tokens': ('id', 'team_id'),
    'event_types': ('id', 'team_id'),
    'clients': ('id', 'team_id'),
    'client_tags': ('id', 'client_id'),
    'locations': ('id', 'team_id'),
    'taxes': ('id', 'team_id'),
    'workflows': ('id', 'event_type_id', 'team_id'),
    'events': ('id', 'event_type_id', 'client_id', 'location_id', 'team_id'),
    'invoice_sequences': ('team_id',),
    'invoices': ('id', 'client_id', 'event_id', 'team_id'),
    'invoice_items': ('id', 'invoice_id'),
    'invoice_item_taxes': ('id', 'item_id', 'tax_id'),
    'transactions': ('id', 'invoice_id', 'client_id', 'team_id'),
    'team_event_counts': ('team_id',),
}


# 0003's trigger names events.team_id in its WHEN clause, and PostgreSQL cannot change the
# type of a column a trigger definition uses: it is dropped and made again, as 0003 made it.
MOVE_TRIGGER = """CREATE TRIGGER events_count_move AFTER UPDATE OF team_id ON events
  FOR EACH ROW WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id)
  EXECUTE FUNCTION team_event_counts_track()"""


def _change(to: sa.types.TypeEngine, sequence_type: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP TRIGGER events_count_move ON events')
    for table, columns in ID_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=to)
        if 'id' in columns:
            op.execute(
                "DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS "
                + sequence_type
                + "', pg_get_serial_sequence('"
                + table
                + "', 'id')); END $$"
            )
    op.execute(MOVE_TRIGGER)


def upgrade() -> None:
    _change(sa.BigInteger(), 'bigint')


def downgrade() -> None:
    _change(sa.Integer(), 'integer')
