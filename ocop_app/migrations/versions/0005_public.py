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
- ``public_register_state``: one row counting changes to what the public register shows
  (ranked products, certificates, producers, units), bumped by triggers; the open data's
  ETag / Last-Modified read it in one statement instead of scanning the register.
- Indexes on ``certificate.valid_until`` and ``revoked_on`` (the last expiry/revocation
  day already passed, also part of Last-Modified).
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


STATE_TABLE = (
    "CREATE TABLE public_register_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "changes BIGINT NOT NULL, changed_at TIMESTAMP NOT NULL)"
)
STATE_ROW = "INSERT INTO public_register_state (id, changes, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
BUMP = "UPDATE public_register_state SET changes = changes + 1, changed_at = CURRENT_TIMESTAMP WHERE id = 1"
#: (trigger name, event, table, SQLite/PostgreSQL WHEN condition or None)
STATE_TRIGGERS = [
    ("register_state_product_ai", "INSERT", "product", "new.stage = 'ranked'"),
    ("register_state_product_au", "UPDATE", "product", "new.stage = 'ranked' OR old.stage = 'ranked'"),
    ("register_state_product_ad", "DELETE", "product", "old.stage = 'ranked'"),
    ("register_state_certificate_ai", "INSERT", "certificate", None),
    ("register_state_certificate_au", "UPDATE", "certificate", None),
    ("register_state_certificate_ad", "DELETE", "certificate", None),
    ("register_state_producer_au", "UPDATE", "producer", None),
    ("register_state_unit_au", "UPDATE", "admin_unit", None),
]


#: ``product.stars_desc = -stars`` on every write, whoever writes.
STARS_DESC = {
    "sqlite": [
        "CREATE TRIGGER product_stars_desc_ai AFTER INSERT ON product BEGIN "
        "UPDATE product SET stars_desc = -new.stars WHERE id = new.id; END",
        "CREATE TRIGGER product_stars_desc_au AFTER UPDATE OF stars ON product BEGIN "
        "UPDATE product SET stars_desc = -new.stars WHERE id = new.id; END",
    ],
    "postgresql": [
        "CREATE FUNCTION product_stars_desc() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN NEW.stars_desc := -NEW.stars; RETURN NEW; END $$",
        "CREATE TRIGGER product_stars_desc BEFORE INSERT OR UPDATE ON product "
        "FOR EACH ROW EXECUTE FUNCTION product_stars_desc()",
    ],
}


def _state_triggers(dialect: str) -> list[str]:
    table = STATE_TABLE if dialect == "sqlite" else STATE_TABLE.replace("TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
    out = [table, STATE_ROW]
    if dialect == "postgresql":
        out.append("CREATE FUNCTION public_register_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {BUMP}; RETURN NULL; END $$")
    for name, event, table, when in STATE_TRIGGERS:
        if dialect == "sqlite":
            condition = f" WHEN {when}" if when else ""
            out.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} BEGIN {BUMP}; END")
        else:
            level = "ROW" if when else "STATEMENT"
            condition = f" WHEN ({when.replace('new.', 'NEW.').replace('old.', 'OLD.')})" if when else ""
            out.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH {level}{condition} "
                       "EXECUTE FUNCTION public_register_bump()")
    return out


def upgrade():
    op.add_column('product', sa.Column('sort_key', sa.String(length=1400), nullable=False, server_default=''))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM product")).all()
    for row in rows:
        conn.execute(sa.text("UPDATE product SET sort_key = :k WHERE id = :id"),
                     {"k": vi_sort_key(row.name), "id": row.id})
    op.add_column('product', sa.Column('stars_desc', sa.SmallInteger(), nullable=True))
    op.execute("UPDATE product SET stars_desc = -stars")
    op.create_index('ix_product_public_name', 'product', ['stage', 'sort_key', 'id'], unique=False)
    op.create_index('ix_product_public_order', 'product', ['stage', 'stars_desc', 'sort_key', 'id'], unique=False)
    for statement in STARS_DESC[conn.dialect.name]:
        op.execute(statement)
    op.create_index('ix_certificate_public_valid_until', 'certificate', ['valid_until'], unique=False)
    op.create_index('ix_certificate_public_revoked_on', 'certificate', ['revoked_on'], unique=False)
    if conn.dialect.name == 'sqlite':
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif conn.dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_product_search_tsv ON product "
                   "USING gin (to_tsvector('simple'::regconfig, search_text))")
    for statement in _state_triggers(conn.dialect.name):
        op.execute(statement)


def downgrade():
    conn = op.get_bind()
    for name, _event, table, _when in STATE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if conn.dialect.name == 'postgresql' else ""))
    if conn.dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS public_register_bump()")
    op.execute("DROP TABLE IF EXISTS public_register_state")
    op.drop_index('ix_certificate_public_revoked_on', table_name='certificate')
    op.drop_index('ix_certificate_public_valid_until', table_name='certificate')
    if conn.dialect.name == 'sqlite':
        for name in ('product_fts_ai', 'product_fts_ad', 'product_fts_au'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS product_fts")
    elif conn.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_product_search_tsv")
    if conn.dialect.name == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS product_stars_desc_ai")
        op.execute("DROP TRIGGER IF EXISTS product_stars_desc_au")
    elif conn.dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS product_stars_desc ON product")
        op.execute("DROP FUNCTION IF EXISTS product_stars_desc()")
    op.drop_index('ix_product_public_order', table_name='product')
    op.drop_index('ix_product_public_name', table_name='product')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('stars_desc')
        batch_op.drop_column('sort_key')
