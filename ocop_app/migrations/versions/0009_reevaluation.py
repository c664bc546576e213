"""reevaluation: certificates' re-evaluation by written opinion (QĐ 26/2026 Điều 4) — the
reevaluation table, the round's kind, the member's written opinion, the certificate's renewal.

Revision ID: 0009_reevaluation
Revises: 0007_rules
Create Date: 2026-12-05 06:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_reevaluation'
down_revision = '0007_rules'
branch_labels = None
depends_on = None

#: Columns on existing tables: (table, column, foreign key target or None). Added with plain
#: ALTER TABLE (no batch copy on SQLite); the foreign key only where the database can add one
#: to an existing table (PostgreSQL), see ``database.SQLITE_MISSING_FKS``.
NEW_COLUMNS = (
    ("evaluation_round", sa.Column("kind", sa.String(length=16), server_default="ordinary", nullable=False), None),
    ("score_sheet", sa.Column("opinion", sa.Text(), server_default="", nullable=False), None),
    ("certificate", sa.Column("replaced_by_id", sa.Integer(), nullable=True), "certificate"),
)


def upgrade():
    op.create_table('reevaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('open_certificate_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('rule_set_code', sa.String(length=32), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('result_stars', sa.SmallInteger(), nullable=True),
    sa.Column('renewed_stars', sa.SmallInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new_certificate_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], ),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['new_certificate_id'], ['certificate.id'], ),
    sa.ForeignKeyConstraint(['open_certificate_id'], ['certificate.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('open_certificate_id')
    )
    with op.batch_alter_table('reevaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reevaluation_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reevaluation_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_reevaluation_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reevaluation_round_id'), ['round_id'], unique=False)

    for table, column, target in NEW_COLUMNS:
        op.add_column(table, column)
        if target and op.get_bind().dialect.name != "sqlite":
            op.create_foreign_key(f"fk_{table}_{column.name}", table, target, [column.name], ["id"])


def downgrade():
    for table, column, target in reversed(NEW_COLUMNS):
        if target and op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(f"fk_{table}_{column.name}", table, type_="foreignkey")
        op.drop_column(table, column.name)  # SQLite ≥ 3.35 drops a plain column in place
    with op.batch_alter_table('reevaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reevaluation_round_id'))
        batch_op.drop_index(batch_op.f('ix_reevaluation_product_id'))
        batch_op.drop_index(batch_op.f('ix_reevaluation_due_on'))
        batch_op.drop_index(batch_op.f('ix_reevaluation_certificate_id'))
    op.drop_table('reevaluation')
