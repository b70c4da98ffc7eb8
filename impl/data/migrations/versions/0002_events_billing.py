"""Events, invoices (with lines and tax snapshots), transactions and the per-team invoice
number sequence, with an index for every documented filter and ordering:

- events: (team_id, starts_at, id) serves the list order and from/to; status, event_type_id,
  client_id, location_id each have a (team_id, field) index;
- invoices: (team_id, issue_date, id) serves the order (scanned backwards) and from/to;
  status, client_id, event_id, number;
- transactions: (team_id, processed_at, id) for the order and from/to; type, status,
  provider, invoice_id, client_id.
Text search (title/notes, number/notes, description/provider_reference) is a substring match,
which a B-tree index cannot serve; the team_id index bounds it to one team's rows.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

# Exact decimals: NUMERIC on PostgreSQL, canonical text on SQLite (see models.base.ExactDecimal).
EXACT_DECIMAL = sa.Numeric(5, 2).with_variant(sa.String(40), "sqlite")

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invoice_sequences',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_invoice_sequences_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_invoice_sequences'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_type_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=True),
    sa.Column('recurrence', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_events_client_id_clients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['event_type_id'], ['event_types.id'], name=op.f('fk_events_event_type_id_event_types'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_events_location_id_locations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_events_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_team_client', ['team_id', 'client_id'], unique=False)
        batch_op.create_index('ix_events_team_event_type', ['team_id', 'event_type_id'], unique=False)
        batch_op.create_index('ix_events_team_location', ['team_id', 'location_id'], unique=False)
        batch_op.create_index('ix_events_team_starts', ['team_id', 'starts_at', 'id'], unique=False)
        batch_op.create_index('ix_events_team_status_starts', ['team_id', 'status', 'starts_at'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('discount', sa.BigInteger(), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('amount_paid', sa.BigInteger(), nullable=False),
    sa.Column('amount_due', sa.BigInteger(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('terms', sa.Text(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_invoices_client_id_clients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_invoices_event_id_events'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_invoices_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('team_id', 'sequence', name=op.f('uq_invoices_team_id_sequence'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_team_client', ['team_id', 'client_id'], unique=False)
        batch_op.create_index('ix_invoices_team_event', ['team_id', 'event_id'], unique=False)
        batch_op.create_index('ix_invoices_team_issue_date', ['team_id', 'issue_date', 'id'], unique=False)
        batch_op.create_index('ix_invoices_team_number', ['team_id', 'number'], unique=False)
        batch_op.create_index('ix_invoices_team_status', ['team_id', 'status'], unique=False)

    op.create_table('invoice_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_amount', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_items_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_items'))
    )
    with op.batch_alter_table('invoice_items', schema=None) as batch_op:
        batch_op.create_index('ix_invoice_items_invoice_position', ['invoice_id', 'position'], unique=False)

    op.create_table('transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('provider_reference', sa.String(length=255), nullable=True),
    sa.Column('processed_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_transactions_client_id_clients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_transactions_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_transactions_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transactions'))
    )
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.create_index('ix_transactions_team_client', ['team_id', 'client_id'], unique=False)
        batch_op.create_index('ix_transactions_team_invoice', ['team_id', 'invoice_id'], unique=False)
        batch_op.create_index('ix_transactions_team_processed', ['team_id', 'processed_at', 'id'], unique=False)
        batch_op.create_index('ix_transactions_team_provider', ['team_id', 'provider'], unique=False)
        batch_op.create_index('ix_transactions_team_status', ['team_id', 'status'], unique=False)
        batch_op.create_index('ix_transactions_team_type', ['team_id', 'type'], unique=False)

    op.create_table('invoice_item_taxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tax_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('rate', EXACT_DECIMAL, nullable=False),
    sa.Column('inclusive', sa.Boolean(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['invoice_items.id'], name=op.f('fk_invoice_item_taxes_item_id_invoice_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_item_taxes'))
    )
    with op.batch_alter_table('invoice_item_taxes', schema=None) as batch_op:
        batch_op.create_index('ix_invoice_item_taxes_item_position', ['item_id', 'position'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('invoice_item_taxes', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_item_taxes_item_position')

    op.drop_table('invoice_item_taxes')
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_transactions_team_type')
        batch_op.drop_index('ix_transactions_team_status')
        batch_op.drop_index('ix_transactions_team_provider')
        batch_op.drop_index('ix_transactions_team_processed')
        batch_op.drop_index('ix_transactions_team_invoice')
        batch_op.drop_index('ix_transactions_team_client')

    op.drop_table('transactions')
    with op.batch_alter_table('invoice_items', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_items_invoice_position')

    op.drop_table('invoice_items')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_team_status')
        batch_op.drop_index('ix_invoices_team_number')
        batch_op.drop_index('ix_invoices_team_issue_date')
        batch_op.drop_index('ix_invoices_team_event')
        batch_op.drop_index('ix_invoices_team_client')

    op.drop_table('invoices')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_team_status_starts')
        batch_op.drop_index('ix_events_team_starts')
        batch_op.drop_index('ix_events_team_location')
        batch_op.drop_index('ix_events_team_event_type')
        batch_op.drop_index('ix_events_team_client')

    op.drop_table('events')
    op.drop_table('invoice_sequences')
