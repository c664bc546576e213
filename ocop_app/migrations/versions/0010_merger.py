"""merger: reviews of accounts whose unit has ended, and the append-only account audit log.

Revision ID: 0010_merger
Revises: 0009_reevaluation
Create Date: 2026-12-05 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_merger'
down_revision = '0009_reevaluation'
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER account_event_no_update BEFORE UPDATE ON account_event
       BEGIN SELECT RAISE(ABORT, 'account_event is append-only'); END""",
    """CREATE TRIGGER account_event_no_delete BEFORE DELETE ON account_event
       BEGIN SELECT RAISE(ABORT, 'account_event is append-only'); END""",
]
APPEND_ONLY_PG = [
    """CREATE FUNCTION account_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'account_event is append-only'; END $$""",
    """CREATE TRIGGER account_event_no_change BEFORE UPDATE OR DELETE ON account_event
       FOR EACH ROW EXECUTE FUNCTION account_event_append_only()""",
]


def upgrade():
    op.create_table('account_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('old_unit_id', sa.Integer(), nullable=False),
    sa.Column('old_role', sa.String(length=32), nullable=False),
    sa.Column('proposed_action', sa.String(length=16), nullable=False),
    sa.Column('proposed_unit_id', sa.Integer(), nullable=True),
    sa.Column('proposed_role', sa.String(length=32), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('chosen_unit_id', sa.Integer(), nullable=True),
    sa.Column('chosen_role', sa.String(length=32), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['chosen_unit_id'], ['admin_unit.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['old_unit_id'], ['admin_unit.id'], ),
    sa.ForeignKeyConstraint(['proposed_unit_id'], ['admin_unit.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'old_unit_id', name='uq_account_review_user_unit')
    )
    with op.batch_alter_table('account_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_review_old_unit_id'), ['old_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_review_user_id'), ['user_id'], unique=False)

    op.create_table('account_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_unit_id', sa.Integer(), nullable=True),
    sa.Column('to_unit_id', sa.Integer(), nullable=True),
    sa.Column('from_role', sa.String(length=32), nullable=True),
    sa.Column('to_role', sa.String(length=32), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['from_unit_id'], ['admin_unit.id'], ),
    sa.ForeignKeyConstraint(['to_unit_id'], ['admin_unit.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_event_user_id'), ['user_id'], unique=False)
    for statement in APPEND_ONLY_SQLITE if op.get_bind().dialect.name == "sqlite" else APPEND_ONLY_PG:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS account_event_no_change ON account_event")
        op.execute("DROP FUNCTION IF EXISTS account_event_append_only()")
    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_event_user_id'))
    op.drop_table('account_event')
    with op.batch_alter_table('account_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_review_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_review_old_unit_id'))
    op.drop_table('account_review')
