"""outbox claim: a run marks the message it is sending, so no lock is held while the SMTP server answers.

Revision ID: 0012_outbox_claim
Revises: 0011_user_version
Create Date: 2026-12-05 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_outbox_claim'
down_revision = '0011_user_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('sending_since')
