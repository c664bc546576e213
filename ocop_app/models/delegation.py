"""Delegation: an approver names a substitute for a date range."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .users import User


class Delegation(db.Model):
    """``substitute`` may take ``principal``'s steps from ``starts_on`` to ``ends_on``
    (inclusive, Vietnam dates); each such step is logged "on behalf of" the principal."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    principal: Mapped[User] = relationship(foreign_keys=[principal_id])
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id])

    def covers(self, day: dt.date) -> bool:
        return self.cancelled_at is None and self.starts_on <= day <= self.ends_on
