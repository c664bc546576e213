"""District and city plans (kế hoạch) and their targets (chỉ tiêu)."""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .units import AdminUnit
from .users import User


class PlanMetric(enum.StrEnum):
    """What a plan target counts. Counted live by :mod:`ocop_app.plans.metrics`."""

    REGISTERED = "registered"
    TRAINED = "trained"
    UPGRADED = "upgraded"
    EVALUATED = "evaluated"
    RANKED_DISTRICT = "ranked_district"
    RANKED_CITY = "ranked_city"
    RANKED_NATIONAL = "ranked_national"
    OFFICIALS_TRAINED_PCT = "officials_trained_pct"
    PRODUCERS_TRAINED_PCT = "producers_trained_pct"

    @property
    def label(self):
        return {
            PlanMetric.REGISTERED: _l("Products registered"),
            PlanMetric.TRAINED: _l("Products trained"),
            PlanMetric.UPGRADED: _l("Products upgraded"),
            PlanMetric.EVALUATED: _l("Products evaluated"),
            PlanMetric.RANKED_DISTRICT: _l("Products reaching district level (★3+ at the district council)"),
            PlanMetric.RANKED_CITY: _l("Products recognised at city level (★3+)"),
            PlanMetric.RANKED_NATIONAL: _l("Products recognised at national level (★5)"),
            PlanMetric.OFFICIALS_TRAINED_PCT: _l("Officials trained (%)"),
            PlanMetric.PRODUCERS_TRAINED_PCT: _l("Participating producers trained (%)"),
        }[self]

    @property
    def is_percent(self) -> bool:
        return self in (PlanMetric.OFFICIALS_TRAINED_PCT, PlanMetric.PRODUCERS_TRAINED_PCT)

    def gap_text(self, n: int):
        """The shortfall in words, e.g. "còn thiếu 4 sản phẩm cấp thành phố"."""
        return {
            PlanMetric.REGISTERED: _l("%(n)s more products to register", n=n),
            PlanMetric.TRAINED: _l("%(n)s more products to train", n=n),
            PlanMetric.UPGRADED: _l("%(n)s more products to upgrade", n=n),
            PlanMetric.EVALUATED: _l("%(n)s more products to evaluate", n=n),
            PlanMetric.RANKED_DISTRICT: _l("%(n)s more district-level products needed", n=n),
            PlanMetric.RANKED_CITY: _l("%(n)s more city-level products needed", n=n),
            PlanMetric.RANKED_NATIONAL: _l("%(n)s more national-level products needed", n=n),
            PlanMetric.OFFICIALS_TRAINED_PCT: _l("%(n)s percentage points short", n=n),
            PlanMetric.PRODUCERS_TRAINED_PCT: _l("%(n)s percentage points short", n=n),
        }[self]


class Plan(db.Model):
    """A district's or city's OCOP plan (kế hoạch), e.g. "Kế hoạch 125/KH-UBND ngày 10/02/2025"."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    number: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    year_from: Mapped[int] = mapped_column(SmallInteger)
    year_to: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    unit: Mapped[AdminUnit] = relationship()
    created_by: Mapped[User | None] = relationship()
    targets: Mapped[list["PlanTarget"]] = relationship(
        back_populates="plan", order_by="PlanTarget.id", cascade="all, delete-orphan"
    )

    @property
    def period(self) -> str:
        return str(self.year_from) if self.year_from == self.year_to else f"{self.year_from}–{self.year_to}"


class PlanTarget(db.Model):
    """One target of a plan: ``value`` products (or percent) of ``metric``, optionally in one branch."""

    __tablename__ = "plan_target"
    __table_args__ = (UniqueConstraint("plan_id", "metric", "branch", name="uq_plan_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(32))
    #: Branch code (``ocop_app.catalog.BRANCHES``) or ``None`` for every branch.
    branch: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="targets")

    @property
    def metric_enum(self) -> PlanMetric:
        return PlanMetric(self.metric)
