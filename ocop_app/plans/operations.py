"""Plans: save targets, and measure a plan against the live product counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import AdminUnit, Commune, District, Plan, PlanMetric, PlanTarget, Product
from ..products.operations import local_today
from ..text import fold
from ..training import operations as training
from ..workflow import Level
from . import metrics


def unit_condition(unit: AdminUnit):
    """Products placed in ``unit`` (a district or a city)."""
    column = {Level.DISTRICT.value: Product.district_id, Level.CITY.value: Product.city_id,
              Level.COMMUNE.value: Product.commune_id}[unit.level]
    return column == unit.id


def communes_of(unit: AdminUnit) -> list[AdminUnit]:
    """Communes in a district, or in every district of a city (and directly under it), by name."""
    if unit.level == Level.COMMUNE.value:
        return [unit]
    stmt = select(Commune)
    if unit.level == Level.DISTRICT.value:
        stmt = stmt.where(Commune.parent_id == unit.id)
    else:
        districts = select(AdminUnit.id).where(AdminUnit.parent_id == unit.id)
        stmt = stmt.where(or_(Commune.parent_id == unit.id, Commune.parent_id.in_(districts)))
    return sorted(db.session.scalars(stmt), key=lambda c: (fold(c.name), c.name))  # Đ sorts with D


@dataclass
class TargetProgress:
    """One target measured: ``actual`` is ``None`` when there is no data; ``by_commune`` maps
    commune id → count. Percent targets (officials/producers trained) carry ``actual`` as a
    percentage (one decimal), ``done``/``of`` the people behind it and the cycle ``year`` counted."""

    target: PlanTarget
    actual: int | float | None
    by_commune: dict[int, int] = field(default_factory=dict)
    done: int | None = None
    of: int | None = None
    year: int | None = None

    @property
    def metric(self) -> PlanMetric:
        return PlanMetric(self.target.metric)

    @property
    def gap(self) -> int | float | None:
        if self.actual is None:
            return None
        return max(0, round(self.target.value - self.actual, 1)) if self.metric.is_percent else max(
            0, self.target.value - self.actual)

    @property
    def percent(self) -> int | None:
        if self.actual is None or not self.target.value:
            return None
        return round(100 * self.actual / self.target.value)

    def list_args(self, commune_id: int | None = None) -> dict:
        args = metrics.list_args(self.metric, self.target.branch, period_of(self.target.plan))
        if commune_id:
            args["commune"] = commune_id
        return args


def period_of(plan: Plan) -> tuple[int, int] | None:
    """The plan's period ``(year_from, year_to)``, or ``None`` if it has none."""
    if plan.year_from is None or plan.year_to is None:
        return None
    return plan.year_from, plan.year_to


def training_year(plan: Plan) -> int:
    """The OCOP cycle whose training a plan's percent targets count: this year, kept within the
    plan's period (its last year once the period is over)."""
    return min(max(local_today().year, plan.year_from), plan.year_to)


def training_counts(plan: Plan) -> dict[PlanMetric, tuple[int, int]] | None:
    """``{metric: (trained, total)}`` for the two percent targets, from the training records
    (:func:`ocop_app.training.operations.target_progress`, the district's training targets page),
    summed over the plan's district or the districts of its city; ``None`` for a commune's plan."""
    if plan.unit.level == Level.DISTRICT.value:
        districts = [plan.unit]
    elif plan.unit.level == Level.CITY.value:
        districts = db.session.scalars(select(District).where(District.parent_id == plan.unit.id)).all()
    else:
        return None
    year = training_year(plan)
    parts = [training.target_progress(d, year) for d in districts]
    return {
        PlanMetric.OFFICIALS_TRAINED_PCT: (sum(p.officials_trained for p in parts), sum(p.officials_total for p in parts)),
        PlanMetric.PRODUCERS_TRAINED_PCT: (sum(p.producers_trained for p in parts), sum(p.producers_total for p in parts)),
    }


def progress(plan: Plan) -> list[TargetProgress]:
    """Each target of ``plan`` against the live counts in the plan's unit, total and per commune.

    Counts use :mod:`ocop_app.plans.metrics`, the same conditions as the product list's
    ``reached``/``ranked_at`` filters, limited to products that first reached the metric's stage
    within the plan's years (:func:`ocop_app.plans.metrics.reached_within`). Percent targets come from the training records
    (:func:`training_counts`), as the training targets page shows them.
    """
    result = []
    trained = None
    for target in plan.targets:
        cond = metrics.condition(PlanMetric(target.metric), target.branch, period_of(plan))
        if cond is None:
            if trained is None:
                trained = training_counts(plan) or {}
            counts = trained.get(PlanMetric(target.metric))
            if counts is None:
                result.append(TargetProgress(target, None))
            else:
                done, of = counts
                result.append(TargetProgress(target, training.TargetProgress.pct(done, of), done=done, of=of,
                                             year=training_year(plan)))
            continue
        base = select(Product.commune_id, func.count()).where(unit_condition(plan.unit), cond)
        by_commune = dict(db.session.execute(base.group_by(Product.commune_id)).all())
        result.append(TargetProgress(target, sum(by_commune.values()),
                                     {k: v for k, v in by_commune.items() if k is not None}))
    return result


def save_plan(plan: Plan, form) -> Plan:
    """Copy ``form`` (a :class:`~ocop_app.plans.forms.PlanForm`) into ``plan`` and replace its targets.

    Branch rows without a metric, branch or number are ignored; a later row for the same
    (metric, branch) replaces an earlier one.
    """
    plan.number = form.number.data.strip()
    plan.title = form.title.data.strip()
    plan.issued_on = form.issued_on.data
    plan.year_from, plan.year_to = form.year_from.data, form.year_to.data
    plan.note = (form.note.data or "").strip()
    wanted: dict[tuple, int] = {}
    for metric, fld in form.metric_fields():
        if fld.data is not None:
            wanted[(metric.value, None)] = fld.data
    for entry in form.branch_targets.entries:
        sub = entry.form
        if sub.metric.data and sub.branch.data and sub.value.data is not None:
            wanted[(sub.metric.data, sub.branch.data)] = sub.value.data
    current = {(t.metric, t.branch): t for t in plan.targets}
    for key, target in current.items():
        if key not in wanted:
            plan.targets.remove(target)
    for (metric, branch), value in wanted.items():
        if (metric, branch) in current:
            current[(metric, branch)].value = value
        else:
            plan.targets.append(PlanTarget(metric=metric, branch=branch, value=value))
    db.session.add(plan)
    db.session.flush()
    return plan
