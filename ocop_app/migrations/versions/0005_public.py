"""public register: Vietnamese sort key, full-text search (SQLite FTS5 / PostgreSQL GIN)

Revision ID: 0005_public
Revises: 0002
Create Date: 2026-11-29 13:24:28.301879

- ``product.sort_key``: Vietnamese alphabetical key of the name (``ocop_app.text.vi_sort_key``),
  kept current by the model on every write; filled here for existing rows.
- Indexes for the register's two orders (keyset pagination).
- SQLite: ``product_fts``, an FTS5 index over ``product.search_text`` (external content),
  kept in sync by triggers on ``product``.
- PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)``.
"""
from alembic import op
import sqlalchemy as sa

from ocop_app.text import vi_sort_key


# revision identifiers, used by Alembic.
revision = '0005_public'
down_revision = '0008_plans'
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE product_fts USING fts5(search_text, content='product', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    "CREATE TRIGGER product_fts_ai AFTER INSERT ON product BEGIN "
    "INSERT INTO product_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER product_fts_ad AFTER DELETE ON product BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER product_fts_au AFTER UPDATE OF search_text ON product BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO product_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO product_fts(product_fts) VALUES ('rebuild')",
]


def upgrade():
    op.add_column('product', sa.Column('sort_key', sa.String(length=1400), nullable=False, server_default=''))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM product")).all()
    for row in rows:
        conn.execute(sa.text("UPDATE product SET sort_key = :k WHERE id = :id"),
                     {"k": vi_sort_key(row.name), "id": row.id})
    op.create_index('ix_product_public_name', 'product', ['stage', 'sort_key', 'id'], unique=False)
    op.create_index('ix_product_public_order', 'product',
                    ['stage', sa.literal_column('stars DESC'), 'sort_key', 'id'], unique=False)
    if conn.dialect.name == 'sqlite':
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif conn.dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_product_search_tsv ON product "
                   "USING gin (to_tsvector('simple'::regconfig, search_text))")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        for name in ('product_fts_ai', 'product_fts_ad', 'product_fts_au'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS product_fts")
    elif conn.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_product_search_tsv")
    op.drop_index('ix_product_public_order', table_name='product')
    op.drop_index('ix_product_public_name', table_name='product')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('sort_key')
