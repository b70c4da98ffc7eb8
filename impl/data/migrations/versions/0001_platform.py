"""Teams, API tokens and the simple resources (event types, clients, locations, workflows,
taxes), with an index for every documented filter and ordering.

Later migrations (0002 billing/events) build on this one.

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa

# Exact decimals: NUMERIC on PostgreSQL, canonical text on SQLite (see models.base.ExactDecimal).
EXACT_DECIMAL = sa.Numeric(5, 2).with_variant(sa.String(40), "sqlite")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('slug', sa.String(length=255), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('invoice_prefix', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('slug', name=op.f('uq_teams_slug'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_api_tokens_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_team_id'), ['team_id'], unique=False)

    op.create_table('clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('address', sa.JSON(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_clients_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients'))
    )
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.create_index('ix_clients_team_name', ['team_id', 'name', 'id'], unique=False)

    op.create_table('event_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('max_attendees', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_event_types_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_types')),
    sa.UniqueConstraint('team_id', 'slug', name=op.f('uq_event_types_team_id_slug'))
    )
    with op.batch_alter_table('event_types', schema=None) as batch_op:
        batch_op.create_index('ix_event_types_team_active', ['team_id', 'is_active'], unique=False)
        batch_op.create_index('ix_event_types_team_kind', ['team_id', 'kind'], unique=False)
        batch_op.create_index('ix_event_types_team_name', ['team_id', 'name', 'id'], unique=False)

    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('address', sa.JSON(), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_locations_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations'))
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index('ix_locations_team_active', ['team_id', 'is_active'], unique=False)
        batch_op.create_index('ix_locations_team_kind', ['team_id', 'kind'], unique=False)
        batch_op.create_index('ix_locations_team_name', ['team_id', 'name', 'id'], unique=False)

    op.create_table('taxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'), nullable=False),
    sa.Column('rate', EXACT_DECIMAL, nullable=False),
    sa.Column('inclusive', sa.Boolean(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_taxes_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taxes'))
    )
    with op.batch_alter_table('taxes', schema=None) as batch_op:
        batch_op.create_index('ix_taxes_team_active', ['team_id', 'is_active'], unique=False)
        batch_op.create_index('ix_taxes_team_inclusive', ['team_id', 'inclusive'], unique=False)
        batch_op.create_index('ix_taxes_team_name', ['team_id', 'name', 'id'], unique=False)

    op.create_table('client_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_tags_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_tags')),
    sa.UniqueConstraint('client_id', 'tag', name=op.f('uq_client_tags_client_id_tag'))
    )
    with op.batch_alter_table('client_tags', schema=None) as batch_op:
        batch_op.create_index('ix_client_tags_tag_client', ['tag', 'client_id'], unique=False)

    op.create_table('workflows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('event_type_id', sa.Integer(), nullable=True),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('offset_value', sa.Integer(), nullable=True),
    sa.Column('offset_unit', sa.String(length=10), nullable=True),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_type_id'], ['event_types.id'], name=op.f('fk_workflows_event_type_id_event_types'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_workflows_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflows'))
    )
    with op.batch_alter_table('workflows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflows_event_type_id'), ['event_type_id'], unique=False)
        batch_op.create_index('ix_workflows_team_active', ['team_id', 'is_active'], unique=False)
        batch_op.create_index('ix_workflows_team_name', ['team_id', 'name', 'id'], unique=False)
        batch_op.create_index('ix_workflows_team_trigger', ['team_id', 'trigger'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workflows', schema=None) as batch_op:
        batch_op.drop_index('ix_workflows_team_trigger')
        batch_op.drop_index('ix_workflows_team_name')
        batch_op.drop_index('ix_workflows_team_active')
        batch_op.drop_index(batch_op.f('ix_workflows_event_type_id'))

    op.drop_table('workflows')
    with op.batch_alter_table('client_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_client_tags_tag_client')

    op.drop_table('client_tags')
    with op.batch_alter_table('taxes', schema=None) as batch_op:
        batch_op.drop_index('ix_taxes_team_name')
        batch_op.drop_index('ix_taxes_team_inclusive')
        batch_op.drop_index('ix_taxes_team_active')

    op.drop_table('taxes')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index('ix_locations_team_name')
        batch_op.drop_index('ix_locations_team_kind')
        batch_op.drop_index('ix_locations_team_active')

    op.drop_table('locations')
    with op.batch_alter_table('event_types', schema=None) as batch_op:
        batch_op.drop_index('ix_event_types_team_name')
        batch_op.drop_index('ix_event_types_team_kind')
        batch_op.drop_index('ix_event_types_team_active')

    op.drop_table('event_types')
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_index('ix_clients_team_name')

    op.drop_table('clients')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_team_id'))

    op.drop_table('api_tokens')
    op.drop_table('teams')
