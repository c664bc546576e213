"""register indexes: count one product set by index; index only upgrades for the "not replaced" check.

Before this, every public register page ran ``NOT EXISTS (… product.upgrade_of_id = product.id …)`` as a
full scan of ``product`` per row on SQLite (the all-NULL column made the plain index look useless to the
planner after ANALYZE): 21 s for one count at 20,000 products. See BENCHMARKS.md.

Revision ID: 0010b_register_indexes
Revises: 0010_merger
Create Date: 2026-12-05 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010b_register_indexes'
down_revision = '0010_merger'
branch_labels = None
depends_on = None

UPGRADES_ONLY = sa.text("upgrade_of_id IS NOT NULL")


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index('ix_product_public_set', ['stage', 'product_set_no', 'stars'], unique=False)
        batch_op.create_index('ix_product_upgrades', ['upgrade_of_id', 'stage'], unique=False,
                              sqlite_where=UPGRADES_ONLY, postgresql_where=UPGRADES_ONLY)


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_upgrades')
        batch_op.drop_index('ix_product_public_set')
