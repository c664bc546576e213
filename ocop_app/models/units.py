"""Administrative units: city (province) → district → commune.

One table with single-table inheritance, so that a unit's level is data and
units can gain validity dates and successors when boundaries change (the
2025 two-tier reform abolished districts and merged communes).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..workflow import Level

if TYPE_CHECKING:
    from .users import User


class AdminUnit(db.Model):
    """An administrative unit at one :class:`~ocop_app.workflow.Level`."""

    __tablename__ = "admin_unit"
    __table_args__ = (UniqueConstraint("parent_id", "name", "level", name="uq_admin_unit_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Official type as written locally: "Xã", "Thị trấn", "Phường", "Huyện", "Thành phố", "Tỉnh"…
    unit_type: Mapped[str] = mapped_column(String(40), default="")
    code: Mapped[str | None] = mapped_column(String(16))
    #: Short ASCII name used in demo user names ("thachxa").
    slug: Mapped[str] = mapped_column(String(80), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300), default="")
    #: The unit this one was wholly merged into (set when a merger is applied).
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id], back_populates="children",
                                                    foreign_keys=[parent_id])
    children: Mapped[list[AdminUnit]] = relationship(back_populates="parent", foreign_keys=[parent_id])
    successor: Mapped[AdminUnit | None] = relationship(remote_side=[id], foreign_keys=[successor_id])

    def valid_on(self, day: dt.date) -> bool:
        """Whether the unit exists on ``day`` (between ``valid_from`` and ``valid_to``, inclusive)."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    __mapper_args__ = {"polymorphic_on": "level", "polymorphic_identity": "unit"}

    @property
    def display_name(self) -> str:
        """Type and name as Vietnamese officials write it, e.g. "Xã Thạch Xá"."""
        return f"{self.unit_type} {self.name}".strip()

    def ancestor(self, level: Level) -> AdminUnit | None:
        """Return this unit or its ancestor at ``level``, or ``None`` if there is none."""
        unit: AdminUnit | None = self
        while unit is not None and unit.level != level.value:
            unit = unit.parent
        return unit

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class City(AdminUnit):
    """A centrally-run city or a province (thành phố / tỉnh)."""

    __mapper_args__ = {"polymorphic_identity": Level.CITY.value}


class District(AdminUnit):
    """A district (huyện, quận, thị xã) — abolished as a level on 1 July 2025."""

    __mapper_args__ = {"polymorphic_identity": Level.DISTRICT.value}


class Commune(AdminUnit):
    """A commune, ward or town (xã, phường, thị trấn)."""

    __mapper_args__ = {"polymorphic_identity": Level.COMMUNE.value}


class UnitSuccession(db.Model):
    """One row of an administrative change: ``old_unit`` went wholly or in part into
    ``new_unit`` on ``effective_on`` (e.g. NQ 1656/NQ-UBTVQH15, in force 1/7/2025)."""

    __tablename__ = "unit_succession"
    __table_args__ = (UniqueConstraint("old_unit_id", "new_unit_id", name="uq_unit_succession"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    whole: Mapped[bool] = mapped_column(Boolean)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    old_unit: Mapped[AdminUnit] = relationship(foreign_keys=[old_unit_id])
    new_unit: Mapped[AdminUnit] = relationship(foreign_keys=[new_unit_id])


class Relocation(db.Model):
    """A record of a split unit waiting for a person to pick its new unit.

    ``subject_type`` is ``"product"`` or ``"user"``; ``proposed_unit`` is the app's
    suggestion; ``chosen_unit`` and ``decided_by`` are set when someone confirms.
    Nothing in a split unit moves until then.
    """

    __tablename__ = "relocation"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "old_unit_id", name="uq_relocation_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(index=True)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    proposed_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    chosen_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    old_unit: Mapped[AdminUnit] = relationship(foreign_keys=[old_unit_id])
    proposed_unit: Mapped[AdminUnit] = relationship(foreign_keys=[proposed_unit_id])
    chosen_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[chosen_unit_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
