"""Consistent online backups of the database and their restore.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the
database in one read transaction, so writes may go on meanwhile and the copy
is the state at one instant. PostgreSQL: ``pg_dump --format=custom`` (one
repeatable-read snapshot) and ``pg_restore --clean --single-transaction``
(Debian's ``postgresql-client``). The backup format follows the engine: a
SQLite file, or a pg_dump archive.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from .extensions import db


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _sqlite_path() -> str:
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise BackupError("the SQLite database is in memory; nothing to back up")
    return path


def _libpq_url() -> str:
    """The database URL in the form libpq tools accept (no SQLAlchemy driver name)."""
    return make_url(str(db.engine.url.render_as_string(hide_password=False))).set(
        drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install Debian's postgresql-client")
    return found


def backup(target: str | Path) -> Path:
    """Write a consistent copy of the current database to ``target``.

    Safe while the app runs and writes. :raises BackupError: on failure.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    if db.engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(), timeout=30)
        dest = sqlite3.connect(tmp)
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
    elif db.engine.dialect.name == "postgresql":
        result = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}", _libpq_url()],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"no backup method for {db.engine.dialect.name}")
    tmp.replace(target)
    return target


def restore(source: str | Path) -> None:
    """Replace the current database's contents with the backup at ``source``.

    Every table is replaced in one step (SQLite backup API into the live file;
    ``pg_restore --clean --single-transaction``). Stop the app's workers first
    in production. :raises BackupError: on failure.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    db.session.remove()
    db.engine.dispose()
    if db.engine.dialect.name == "sqlite":
        with open(source, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not a SQLite backup")
        src = sqlite3.connect(source)
        dest = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
    elif db.engine.dialect.name == "postgresql":
        result = subprocess.run(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", "--exit-on-error", f"--dbname={_libpq_url()}", str(source)],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"no restore method for {db.engine.dialect.name}")
    db.engine.dispose()
