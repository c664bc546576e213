"""Spreadsheet uploads kept server-side between preview and confirmation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .users import User


class ImportBatch(db.Model):
    """A parsed upload of registrations, addressed by an unguessable ``token``.

    ``rows`` is JSON: a list of row dicts as previewed (see
    :func:`ocop_app.reports.importer.parse`). Only the uploader may see or
    confirm it. ``done`` counts rows processed so far; ``created`` and
    ``skipped`` what became of them.
    """

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    #: preview → running → finished
    state: Mapped[str] = mapped_column(String(16), default="preview")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    user: Mapped[User] = relationship()
