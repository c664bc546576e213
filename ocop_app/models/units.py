"""Administrative units: city (province) → district → commune.

One table with single-table inheritance, so that a unit's level is data and
units can gain validity dates and successors when boundaries change (the
2025 two-tier reform abolished districts and merged communes).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..workflow import Level


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

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[AdminUnit]] = relationship(back_populates="parent")

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
