"""Database engine behaviour that the whole app relies on.

SQLite (the embedded default) is tuned for a small multi-user server:
WAL journal, a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` for
every transaction that may write, so that two requests racing to change the
same product are serialised by the database instead of one of them failing
with "database is locked" half-way through. Read-only requests (GET/HEAD)
open deferred transactions and never block writers under WAL.

PostgreSQL is selected with ``DATABASE_URL``; there, races are settled by the
compare-and-set on ``Product.version`` (see :mod:`ocop_app.products.operations`).
"""

from __future__ import annotations

import contextvars
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: True while the current unit of work only reads (set per request).
read_only_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "read_only_intent", default=False
)

SQLITE_BUSY_TIMEOUT_MS = 15_000


def normalise_database_url(url: str) -> str:
    """Return a SQLAlchemy URL for ``url``, choosing the psycopg 3 driver for PostgreSQL.

    ``postgres://…`` and ``postgresql://…`` (as Heroku-style ``DATABASE_URL``
    values are written) become ``postgresql+psycopg://…``; other URLs are
    returned unchanged.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):  # pragma: no cover - trivial
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy (not the driver) emit BEGIN, so we can choose its kind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):  # pragma: no cover - trivial
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN" if read_only_intent.get() else "BEGIN IMMEDIATE")


#: Database objects made by hand in migrations that autogenerate must leave alone:
#: the SQLite FTS5 search index and its shadow tables, the PostgreSQL full-text index, the public
#: register's change counter and its certificate indexes (0005_public).
HAND_MADE = ("product_fts", "ix_product_search_tsv", "public_register_state", "ix_certificate_public_")

#: Foreign keys that migrations 0007_rules and 0009_reevaluation add on PostgreSQL only: SQLite
#: cannot add a constraint to an existing table without rebuilding it, and rebuilding ``product``
#: and ``stage_event`` would drop their triggers (search index, append-only log).
SQLITE_MISSING_FKS = {("admin_unit", "successor_id"), ("certificate", "revoked_by_id"),
                      ("certificate", "replaced_by_id"), ("product", "upgrade_of_id"),
                      ("stage_event", "on_behalf_of_id")}


def include_name(name, type_, parent_names) -> bool:
    """Alembic ``include_name`` hook: False for the :data:`HAND_MADE` objects."""
    return not (name or "").startswith(HAND_MADE)
